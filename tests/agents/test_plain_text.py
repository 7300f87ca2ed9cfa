"""Answers in plain text: LaTeX math that small models write is rewritten, nothing else is touched."""

from __future__ import annotations

import pytest

from ponder.agents.plain_text import plain_answer


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (r"The total is $\boxed{36}$.", "The total is 36."),
        (r"\( 12 \times 3 = 36 \)", " 12 × 3 = 36 "),
        (r"\[\frac{1}{2} + \frac{a+b}{3}\]", "1/2 + (a+b)/3"),
        (r"\boxed{\text{Paris}}", "Paris"),
        (r"x^{2} \approx 4.0 \text{ km}", "x^2 ≈ 4.0 km"),
        (r"\sqrt{2} \div 2 \leq 1", "√(2) ÷ 2 ≤ 1"),
    ],
)
def test_latex_math_becomes_plain_text(written: str, shown: str) -> None:
    assert plain_answer(written) == shown


@pytest.mark.parametrize(
    "text",
    [
        "I paid $5 and $10.",
        r"The file is at C:\Users\me\notes.txt",
        '{"a": 3, "b": 4}',
        "```latex\n\\boxed{x}\n```",
        "No maths here, just words.",
    ],
)
def test_everything_else_is_left_alone(text: str) -> None:
    assert plain_answer(text) == text


def test_an_agent_answer_in_latex_reaches_the_user_as_plain_text() -> None:
    from ponder import Agent
    from ponder.backends.scripted import ScriptedBackend

    agent = Agent(ScriptedBackend([r"Each pen costs 3.75, so 12 pens cost $\boxed{45}$ before the discount."]))
    assert agent.run("How much?").answer == "Each pen costs 3.75, so 12 pens cost 45 before the discount."
