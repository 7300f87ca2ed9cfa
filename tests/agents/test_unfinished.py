"""An answer that stops short of the calculation is asked, once, to finish it with the tool."""

from __future__ import annotations

from ponder.agents import events as ev
from ponder.agents.result import ToolCallRecord
from ponder.agents.unfinished import unfinished_work
from ponder.tools.base import tool
from ponder.tools.builtin.calculator import calculator
from tests.agents.test_loop import call, text_agent

SHARES = "I bought 35 shares at 48.20 and sold them at 53.75. Fees were 9.90 in total. What was my profit?"


def computed(expression: str, output: str) -> ToolCallRecord:
    return ToolCallRecord(step=1, name="calculator", arguments={"expression": expression}, output=output, ok=True)


def test_givens_no_calculation_used_are_named() -> None:
    left = unfinished_work(SHARES, "The total cost is 1687.", [computed("35 * 48.20", "1687")], "calculator")
    assert left is not None and left.unused == ("53.75", "9.90")


def test_a_number_no_tool_gave_is_named() -> None:
    task = "How many seconds are there in 3 weeks?"
    left = unfinished_work(task, "There are 1888000 seconds in 3 weeks.", [computed("3 * 7", "21")], "calculator")
    assert left is not None and left.unsupported == ("1888000",) and left.unused == ()


def test_a_whole_calculation_passes_with_converted_givens_and_rounded_results() -> None:
    bill = "Dinner came to 187.60; add a 15% tip and split it between 4 people. How much each?"
    assert unfinished_work(bill, "Each pays 53.94.", [computed("187.60 * 1.15 / 4", "53.935")], "calculator") is None
    users = "Our monthly users went from 18,400 to 21,160. What is the percentage increase?"
    assert unfinished_work(users, "An increase of 15%.", [computed("(21160 - 18400) / 18400", "0.15")], "calculator") is None
    price = "Which is cheaper per gram, a 750 g box for 4.35 or a 1.2 kg box for 6.60?"
    both = [computed("4.35 / 750", "0.0058"), computed("6.60 / 1200", "0.0055")]
    assert unfinished_work(price, "The 1.2 kg box, at 0.0055 per gram.", both, "calculator") is None


def test_nothing_is_asked_before_the_computing_tool_ran_or_when_it_failed() -> None:
    assert unfinished_work(SHARES, "About 180.", [], "calculator") is None
    failed = ToolCallRecord(step=1, name="calculator", arguments={"expression": "35*"}, output="error", ok=False)
    assert unfinished_work(SHARES, "About 180.", [failed], "calculator") is None


@tool
def bmi(height_m: float, weight_kg: float) -> str:
    """Body mass index.

    Args:
        height_m: height in metres
        weight_kg: weight in kilograms
    """
    return f"{weight_kg / height_m**2:.1f}"


TWO_PEOPLE = "What is the BMI of someone 1.80 m tall weighing 81 kg, and of someone 1.65 m tall weighing 60 kg?"


def test_first_calls_that_leave_givens_out_wait_for_all_the_calls_in_one_reply() -> None:
    first = call("bmi", height_m=1.80, weight_kg=81)
    both = first + call("bmi", height_m=1.65, weight_kg=60)
    agent, backend = text_agent([first, both, "25.0 and 22.0."], [bmi])
    result = agent.run(TWO_PEOPLE)
    assert [(c.ok, c.error_kind, c.output) for c in result.trajectory][1:] == [(True, None, "25.0"), (True, None, "22.0")]
    assert result.trajectory[0].error_kind == "uncovered" and not result.trajectory[0].ok
    assert "my request also gives 1.65, 60" in str(backend.requests[1].messages[-1].content)


def test_a_first_calculation_that_leaves_givens_out_runs_and_its_result_says_so() -> None:
    replies = [call("calculator", expression="35 * 48.20"), call("calculator", expression="35 * 53.75 - 9.90 - 1687"), "184.35"]
    agent, backend = text_agent(replies, [calculator])
    result = agent.run(SHARES)
    assert [(c.ok, c.output) for c in result.trajectory] == [(True, "1687"), (True, "184.35")]
    told = str(backend.requests[1].messages[-1].content)
    assert "1687" in told and "also gives 53.75, 9.90, which no calculation has used yet" in told
    assert "no calculation has used" not in str(backend.requests[2].messages[-1].content), "said once"


def test_calls_that_use_none_of_the_numbers_or_all_of_them_run_at_once() -> None:
    agent, backend = text_agent([call("calculator", expression="35 * (53.75 - 48.20) - 9.90"), "184.35"], [calculator])
    assert [c.ok for c in agent.run(SHARES).trajectory] == [True]
    agent, backend = text_agent([call("calculator", expression="7 * 24 * 3600"), "604800"], [calculator])
    assert [c.ok for c in agent.run("How many seconds in a week, in 2026?").trajectory] == [True]


def test_the_loop_asks_once_for_the_rest_and_the_finished_answer_stands() -> None:
    replies = [
        call("calculator", expression="35 * 48.20"),
        "Your profit is 1687.",
        call("calculator", expression="35 * (53.75 - 48.20) - 9.90"),
        "Your profit was 184.35.",
    ]
    agent, backend = text_agent(replies, [calculator])
    events = list(agent.stream(SHARES))
    result = agent.last_result
    assert result is not None and result.answer == "Your profit was 184.35."
    assert [c.output for c in result.trajectory if c.ok] == ["1687", "184.35"]
    assert "my question also gives 53.75, 9.90" in str(backend.requests[2].messages[-1].content)
    assert [e.kind for e in events if isinstance(e, ev.ModelMistakeEvent)] == ["unfinished"]


def test_an_answer_given_again_after_the_question_stands() -> None:
    replies = [call("calculator", expression="3 * 7"), "There are 1888000 seconds.", "There are 1888000 seconds."]
    agent, backend = text_agent(replies, [calculator])
    result = agent.run("How many seconds are there in 3 weeks?")
    assert result.answer == "There are 1888000 seconds." and result.stop_reason == "answer"
    assert "no tool result gave 1888000" in str(backend.requests[2].messages[-1].content)
    assert len(backend.requests) == 3


def test_an_answer_that_restates_the_calculation_is_complete() -> None:
    agent, backend = text_agent([call("calculator", expression="17*23"), "17*23 is 391."], [calculator])
    assert agent.run("What is the product?").answer == "17*23 is 391."
    assert len(backend.requests) == 2
