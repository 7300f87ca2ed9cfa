"""The run's first calls wait when they use some of the task's numbers and leave others out."""

from __future__ import annotations

from ponder.agents.coverage import uncovered_givens
from ponder.tools.base import tool
from ponder.tools.builtin.calculator import calculator
from tests.agents.test_loop import call, text_agent


@tool
def bmi(height_m: float, weight_kg: float) -> str:
    """Body mass index.

    Args:
        height_m: height in metres
        weight_kg: weight in kilograms
    """
    return f"{weight_kg / height_m**2:.1f}"


TWO_PEOPLE = "What is the BMI of someone 1.80 m tall weighing 81 kg, and of someone 1.65 m tall weighing 60 kg?"


def test_numbers_left_out_are_named_converted_ones_count_as_used() -> None:
    assert uncovered_givens(TWO_PEOPLE, [{"height_m": 1.8, "weight_kg": 81}]) == ("1.65", "60")
    assert uncovered_givens("Add a 15% tip to 187.60 and 12.40", [{"expression": "(187.60 + 12.40) * 1.15"}]) == ()
    assert uncovered_givens("A 1.2 kg box for 6.60", [{"expression": "6.60 / 1200"}]) == ()


def test_calls_that_use_none_of_the_numbers_are_not_judged() -> None:
    assert uncovered_givens("Who won the 2018 World Cup?", [{"query": "world cup winner"}]) == ()


def test_first_calls_that_leave_givens_out_wait_for_all_the_calls_in_one_reply() -> None:
    first = call("bmi", height_m=1.80, weight_kg=81)
    both = first + call("bmi", height_m=1.65, weight_kg=60)
    agent, backend = text_agent([first, both, "25.0 and 22.0."], [bmi])
    result = agent.run(TWO_PEOPLE)
    assert [(c.ok, c.error_kind, c.output) for c in result.trajectory][1:] == [(True, None, "25.0"), (True, None, "22.0")]
    assert result.trajectory[0].error_kind == "uncovered" and not result.trajectory[0].ok
    assert "my request also gives 1.65, 60" in str(backend.requests[1].messages[-1].content)


def test_the_same_call_made_again_runs() -> None:
    first = call("bmi", height_m=1.80, weight_kg=81)
    agent, _ = text_agent([first, first, "25.0."], [bmi])
    assert [(c.ok, c.output) for c in agent.run(TWO_PEOPLE).trajectory][-1] == (True, "25.0")


def test_a_calculation_is_never_held_its_steps_come_one_after_another() -> None:
    shares = "I bought 35 shares at 48.20 and sold them at 53.75. Fees were 9.90. What was my profit?"
    replies = [call("calculator", expression="35 * 48.20"), call("calculator", expression="35 * 53.75 - 9.90 - 1687"), "184.35"]
    agent, _ = text_agent(replies, [calculator])
    assert [(c.ok, c.output) for c in agent.run(shares).trajectory] == [(True, "1687"), (True, "184.35")]


def test_numbers_inside_a_timestamp_count_as_used() -> None:
    task = "Put a dentist appointment on 12 March 2026 at 15:00 for 45 minutes."
    assert uncovered_givens(task, [{"start": "2026-03-12T15:00", "duration_minutes": 45}]) == ()
