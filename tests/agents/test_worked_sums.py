"""Arithmetic an answer works out is recomputed; wrong sums go back once with the right values."""

from __future__ import annotations

import pytest

from ponder.agents import events as ev
from ponder.agents.worked_sums import check_sums, with_right_values
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


def test_the_loop_sends_a_slip_back_and_takes_the_redone_answer() -> None:
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


def test_a_slip_later_steps_build_on_goes_back_and_a_last_wrong_result_is_put_right_in_place() -> None:
    task = "I worked 8.5 hours on Monday, 7.25 on Tuesday and 9 on Wednesday, at 19.80 an hour. What did I earn?"
    redone = "Total hours = 8.5 + 7.25 + 9 = 24.75 hours\nEarnings = 24.75 * 19.80 = 491.05\nYou earned $491.05."
    agent, backend = text_agent([HOURS, redone], [calculator])
    events = list(agent.stream(task))
    result = agent.last_result
    assert result is not None and result.answer is not None
    assert result.answer.endswith("= 490.05\nYou earned $490.05."), result.answer
    assert "8.5 + 7.25 + 9 is 24.75, not 25.75" in str(backend.requests[1].messages[-1].content)
    assert [r.require_call for r in backend.requests] == [False, False], "no calculator detour"
    notes = [e.observation for e in events if isinstance(e, ev.ModelMistakeEvent)]
    assert notes[-1] == "corrected in the answer: 24.75 * 19.80 is 490.05, not 491.05"


def test_a_wrong_last_result_is_put_right_without_asking_the_model_again() -> None:
    answer = "Fuel: 28 litres × 1.89 per litre = 54.92 dollars. So the trip costs 54.92 dollars."
    agent, backend = text_agent([answer], [calculator])
    result = agent.run("I drive 420 km at 15 km per litre, fuel is 1.89 a litre. Cost?")
    assert result.answer == "Fuel: 28 litres × 1.89 per litre = 52.92 dollars. So the trip costs 52.92 dollars."
    assert len(backend.requests) == 1


def test_right_values_are_written_as_the_wrong_ones_were() -> None:
    text = "17,280 × 0.85 = 14,496, so it is worth 14,496 (not 14,4960)."
    assert with_right_values(text, check_sums(text).wrong) == "17,280 × 0.85 = 14,688, so it is worth 14,688 (not 14,4960)."
    chained = "8.5 + 7.25 + 9 = 25.75\n25.75 * 19.80 = 517.10"
    assert with_right_values(chained, check_sums(chained).wrong) == chained, "a slip later steps build on is not patched"
