"""Finding arithmetic worked out by hand, and a tool that computes."""

from __future__ import annotations

import pytest

from ponder.agents.hand_work import as_expression, computing_tool, hand_arithmetic
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
        ("Gross Pay = 23.40 × $37.5\nGross Pay = 892.50", "23.40 * 37.5"),
        ("2.25 cups/batch × 14 batches = 31.5 cups", "2.25 * 14"),
        ("Each pays (187.60 + 28.14) / 4 = 53.94", "(187.60 + 28.14) / 4"),
        ("Total = 1,234 x 3 = 3702", "1234 * 3"),
    ],
)
def test_the_worked_expression_is_written_for_the_tool(answer: str, expression: str) -> None:
    worked = hand_arithmetic(answer)
    assert worked is not None and as_expression(worked) == expression
