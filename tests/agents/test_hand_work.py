"""Finding arithmetic worked out by hand, and a tool that computes."""

from __future__ import annotations

import pytest

from ponder.agents.hand_work import computing_tool, hand_arithmetic
from ponder.tools.base import Tool, tool


@pytest.mark.parametrize(
    "answer",
    [
        "Gross Pay = 23.40 × 37.5\nGross Pay = 892.50",
        "2.25 cups/batch × 14 batches = 31.5 cups",
        "The total is 12 * 3, which is 36.",
        "187.60 + 15% = 215.74",
    ],
)
def test_a_worked_sum_is_found(answer: str) -> None:
    assert hand_arithmetic(answer) is not None


@pytest.mark.parametrize(
    "answer",
    ["The capital of France is Paris.", "It costs $5 and $10.", "Version 3.11 is needed.", "From 2020 to 2023 it grew."],
)
def test_text_without_a_worked_sum_is_left_alone(answer: str) -> None:
    assert hand_arithmetic(answer) is None


def test_a_computing_tool_is_found_by_what_it_says_not_by_its_name() -> None:
    @tool
    def evaluate(formula: str) -> str:
        """Evaluate a math formula exactly.

        Args:
            formula: the formula, e.g. 2 * (3 + 4)
        """
        return formula

    @tool
    def weather(city: str) -> str:
        """The weather in a city.

        Args:
            city: the city
        """
        return city

    tools: dict[str, Tool] = {"weather": weather, "evaluate": evaluate}
    assert computing_tool(tools) == ("evaluate", "formula")
    assert computing_tool({"weather": weather}) is None


@pytest.mark.parametrize(
    ("answer", "expression"),
    [
        ("Gross Pay = 23.40 × $37.5\nGross Pay = 892.50", "23.40 × $37.5"),
        ("2.25 cups/batch × 14 batches = 31.5 cups", "2.25 cups/batch × 14"),
        ("Each pays (187.60 + 28.14) / 4 = 53.94", "(187.60 + 28.14) / 4"),
        ("Total = 1,234 x 3 = 3702", "1,234 x 3"),
    ],
)
def test_the_whole_worked_expression_is_found_as_written(answer: str, expression: str) -> None:
    assert hand_arithmetic(answer) == expression


def test_approximate_results_and_imagined_program_output_count_as_hand_work() -> None:
    assert hand_arithmetic("Let's divide:\n\n5000/240 ≈ 20.8333\n\nSo 20 months.") == "5000/240"
    code = "```python\nprint(300 / 4 * 10)\n```\n```output\n300.0\n```\nYou need 300 grams."
    assert hand_arithmetic(code) == "the output of your code"
    assert hand_arithmetic("```python\nprint(300 / 4 * 10)\n```\nRun this to get the amount.") is None
