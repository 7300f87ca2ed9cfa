"""Arithmetic an answer works out is recomputed; wrong sums go back once with the right values."""

from __future__ import annotations

import pytest

from ponder.agents import events as ev
from ponder.agents.worked_sums import check_sums
from ponder.tools.builtin.calculator import calculator
from tests.agents.test_loop import call, text_agent

HOURS = "Total hours = 8.5 + 7.25 + 9 = 25.75 hours\nEarnings = Total hours * Hourly rate = 25.75 * 19.80 = 517.10"


def test_wrong_equations_are_found_with_their_right_values() -> None:
    found = check_sums(HOURS)
    assert [w.describe() for w in found.wrong] == ["8.5 + 7.25 + 9 is 24.75, not 25.75"], "a step built on a slip is not named"
    assert found.checked == 2 and not found.all_right
    two = check_sums("342 × 0.28 = 94.56\n12 × 3 = 35")
    assert [w.describe() for w in two.wrong] == ["342 × 0.28 is 95.76, not 94.56", "12 × 3 is 36, not 35"]


@pytest.mark.parametrize(
    "text",
    [
        "Final price = 90 - 10 = 80",
        "49.00/6 = 8.17",  # rounded as shown
        "5000/240 ≈ 20.83",
        "342 kWh × 0.28 per kWh = 95.76 dollars",
        "1,234 + 5,678 = 6,912",
        "3 x 4.25 = 12.75, 2 x 1.60 = 3.20",
    ],
)
def test_right_and_rounded_equations_pass(text: str) -> None:
    assert check_sums(text).all_right, text


@pytest.mark.parametrize("text", ["2x + 3 = 7", "x = 5", "the 3 boxes = 12 items", "C = (F - 32) * 5/9", "A4 = 210 x 297 mm"])
def test_algebra_names_and_words_are_not_judged(text: str) -> None:
    assert check_sums(text).checked == 0, text


def test_a_chain_states_its_result_only_in_the_last_link() -> None:
    found = check_sums("17,280 × (1 - 0.15) = 17,280 × 0.85 = 14,496")
    assert [w.describe() for w in found.wrong] == ["17,280 × 0.85 is 14688, not 14,496"]


def test_the_loop_sends_wrong_sums_back_and_takes_the_corrected_answer() -> None:
    task = "I worked 8.5 hours on Monday, 7.25 on Tuesday and 9 on Wednesday, at 19.80 an hour. What did I earn?"
    agent, backend = text_agent([call("calculator", expression="8.5 + 7.25 + 9"), HOURS, "You earned 490.05."], [calculator])
    events = list(agent.stream(task))
    assert agent.last_result is not None and agent.last_result.answer == "You earned 490.05."
    sent = str(backend.requests[2].messages[-1].content)
    assert "8.5 + 7.25 + 9 is 24.75, not 25.75" in sent and "use calculator" in sent
    assert [e.kind for e in events if isinstance(e, ev.ModelMistakeEvent)] == ["wrong_sums"]


def test_hand_work_whose_sums_all_check_out_is_taken_without_the_calculator() -> None:
    agent, backend = text_agent(["Gross pay = 23.40 × 37.5 = 877.50, so you earned $877.50."], [calculator])
    answer = agent.run("I earn $23.40 an hour and worked 37.5 hours. What's my pay?").answer
    assert answer is not None and answer.endswith("$877.50.")
    assert len(backend.requests) == 1


def test_hand_work_with_wrong_sums_gets_the_right_values_twice_at_most_not_a_calculator_detour() -> None:
    task = "I worked 8.5 hours on Monday, 7.25 on Tuesday and 9 on Wednesday, at 19.80 an hour. What did I earn?"
    second = "Total hours = 8.5 + 7.25 + 9 = 24.75 hours\nEarnings = 24.75 * 19.80 = 491.05"
    third = "Earnings = 24.75 * 19.80 = 490.50"
    agent, backend = text_agent([HOURS, second, third], [calculator])
    result = agent.run(task)
    assert result.answer == third, "after two rounds the answer stands"
    assert [r.require_call for r in backend.requests] == [False, False, False]
    assert "24.75 * 19.80 is 490.05, not 491.05" in str(backend.requests[2].messages[-1].content)
