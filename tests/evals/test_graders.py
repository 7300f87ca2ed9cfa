"""Each grader kind, on hand-made run results: what passes, what fails, what it says."""

from __future__ import annotations

import pytest

from ponder.backends.scripted import ScriptedBackend
from ponder.evals.graders.judge import parse_verdict
from ponder.evals.graders.numeric import extract_numbers
from ponder.evals.grading import GradeContext, GradeResult, GraderSpecError, parse_grader
from ponder.evals.suite import Case
from tests.evals.eval_helpers import ctx, result


def grade(entry: object, context: GradeContext) -> GradeResult:
    return parse_grader(entry).grade(context)


# -- text ---------------------------------------------------------------------------------------
def test_exact_compares_whole_answer_with_whitespace_collapsed() -> None:
    assert grade({"exact": "The answer is 391"}, ctx("  The answer   is 391\n")).passed is True
    assert grade({"exact": "391"}, ctx("The answer is 391")).passed is False


def test_exact_uses_the_cases_expected_when_given_no_value() -> None:
    assert grade("exact", ctx("Paris", expected="Paris")).passed is True
    assert grade({"exact": {"ignore_case": True}}, ctx("PARIS", expected="Paris")).passed is True
    assert grade("exact", ctx("PARIS", expected="Paris")).passed is False


def test_contains_all_or_any_ignoring_case_by_default() -> None:
    assert grade({"contains": ["paris", "france"]}, ctx("Paris is in France.")).passed is True
    outcome = grade({"contains": ["paris", "berlin"]}, ctx("Paris is in France."))
    assert outcome.passed is False and "berlin" in outcome.reason
    assert grade({"contains": {"value": ["paris", "berlin"], "mode": "any"}}, ctx("Paris")).passed is True


def test_not_contains_fails_on_any_forbidden_text() -> None:
    assert grade({"not_contains": ["$", "USD"]}, ctx("I cannot know tomorrow's price.")).passed is True
    assert grade({"not_contains": ["$", "USD"]}, ctx("It will close at $190.")).passed is False


def test_regex_searches_or_fully_matches() -> None:
    assert grade({"regex": r"\b391\b"}, ctx("it is 391.")).passed is True
    assert grade({"regex": {"pattern": r"\d+", "full": True}}, ctx("it is 391")).passed is False
    assert grade({"regex": {"pattern": "CANNOT", "ignore_case": True}}, ctx("I cannot")).passed is True


# -- numeric ---------------------------------------------------------------------------------------
def test_numbers_are_extracted_with_separators_signs_and_exponents() -> None:
    assert extract_numbers("1,234.5 and -3, .5, 2e3 and **42**") == [1234.5, -3.0, 0.5, 2000.0, 42.0]


def test_numeric_takes_the_last_number_by_default() -> None:
    assert grade("numeric", ctx("17 * 23 = 391", expected=391)).passed is True
    assert grade("numeric", ctx("391 is 17 * 23", expected=391)).passed is False
    assert grade({"numeric": {"pick": "any"}}, ctx("391 is 17 * 23", expected=391)).passed is True


def test_numeric_tolerance_absolute_and_relative() -> None:
    assert grade({"numeric": {"value": 3.14159, "tolerance": 0.01}}, ctx("about 3.14")).passed is True
    assert grade({"numeric": {"value": 3.14159}}, ctx("about 3.14")).passed is False
    assert grade({"numeric": {"value": 1000, "relative": 0.01}}, ctx("roughly 1,009")).passed is True


def test_numeric_failure_says_what_it_wanted_and_found() -> None:
    outcome = grade({"numeric": {"value": 7006652}}, ctx("It is 7006653."))
    assert outcome.reason == "expected 7006652 (±1e-06), found 7006653"


def test_numeric_without_a_number_in_the_answer_fails_and_says_so() -> None:
    outcome = grade("numeric", ctx("I don't know", expected="36"))
    assert outcome.passed is False and "no number" in outcome.reason


# -- json ---------------------------------------------------------------------------------------------
def test_json_reads_fenced_or_embedded_json_and_compares() -> None:
    fenced = 'Here:\n```json\n{"a": 3, "b": 4}\n```'
    assert grade({"json": {"value": {"a": 3, "b": 4}}}, ctx(fenced)).passed is True
    assert grade({"json": {"value": {"a": 3}}}, ctx('result {"a": 3, "b": 4} done')).passed is False
    assert grade({"json": {"value": {"a": 3}, "subset": True}}, ctx('result {"a": 3, "b": 4} done')).passed is True
    assert grade({"json": {}}, ctx("no json here")).passed is False


def test_json_schema_validation_reports_where_it_fails() -> None:
    schema = {"type": "object", "required": ["name"], "properties": {"age": {"type": "integer"}}}
    assert grade({"json": {"schema": schema}}, ctx('{"name": "x", "age": 3}')).passed is True
    outcome = grade({"json": {"schema": schema}}, ctx('{"name": "x", "age": "three"}'))
    assert outcome.passed is False and "age" in outcome.reason


# -- tools and trajectory ------------------------------------------------------------------------------
CALLS = [("search", {"q": "weather", "n": 3}), ("calculator", {"expression": "2*3"}), ("search", {"q": "news"})]


def test_tool_called_matches_name_and_argument_subset() -> None:
    c = ctx("x", calls=CALLS)
    assert grade({"tool_called": "calculator"}, c).passed is True
    assert grade({"tool_called": {"name": "search", "arguments": {"q": "weather"}}}, c).passed is True
    assert grade({"tool_called": {"name": "search", "arguments": {"q": "sports"}}}, c).passed is False
    assert grade({"tool_called": {"name": "search", "arguments": {"n": 3.0}}}, c).passed is True  # 3 == 3.0


def test_tool_called_counts_within_min_and_max() -> None:
    c = ctx("x", calls=CALLS)
    assert grade({"tool_called": {"name": "search", "min": 2, "max": 2}}, c).passed is True
    outcome = grade({"tool_called": {"name": "search", "max": 1}}, c)
    assert outcome.passed is False and "2 times" in outcome.reason
    assert grade({"tool_called": {"name": "web", "min": 0, "max": 0}}, c).passed is True


def test_tool_called_ok_only_ignores_failed_calls() -> None:
    failed = ctx("x", calls=[("calculator", {"expression": "1/0"})], ok=False)
    assert grade({"tool_called": "calculator"}, failed).passed is True
    assert grade({"tool_called": {"name": "calculator", "ok_only": True}}, failed).passed is False


@pytest.mark.parametrize(
    ("mode", "calls", "passed"),
    [
        ("ordered", ["search", "calculator", "search"], True),
        ("ordered", ["search", "calculator"], False),
        ("any_order", ["search", "search", "calculator"], True),
        ("any_order", ["calculator", "search"], False),
        ("subsequence", ["search", "search"], True),
        ("subsequence", ["calculator", "calculator"], False),
        ("subsequence", ["calculator", "search"], True),
    ],
)
def test_trajectory_modes(mode: str, calls: list[str], passed: bool) -> None:
    assert grade({"trajectory": {"calls": calls, "mode": mode}}, ctx("x", calls=CALLS)).passed is passed


def test_trajectory_steps_can_require_arguments() -> None:
    c = ctx("x", calls=CALLS)
    want = [{"name": "search", "arguments": {"q": "news"}}, "calculator"]
    assert grade({"trajectory": {"calls": want, "mode": "subsequence"}}, c).passed is False
    assert grade({"trajectory": {"calls": list(reversed(want)), "mode": "subsequence"}}, c).passed is True


# -- limits ----------------------------------------------------------------------------------------------
def test_limits_fail_on_every_budget_exceeded() -> None:
    c = ctx("x", calls=CALLS, steps=4, tokens=900, seconds=2.5)
    assert grade({"limits": {"max_steps": 4, "max_tool_calls": 3, "max_tokens": 900, "max_seconds": 3}}, c).passed is True
    outcome = grade({"limits": {"max_steps": 3, "max_tool_calls": 2, "max_tokens": 100, "max_seconds": 1}}, c)
    assert outcome.passed is False
    for part in ("steps 4 > 3", "tool calls 3 > 2", "tokens 900 > 100", "seconds 2.5 > 1"):
        assert part in outcome.reason


# -- llm judge ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("PASS", True),
        ("FAIL", False),
        ("**PASS**", True),
        ("Pass.", True),
        ("Verdict: FAIL", False),
        ("The answer meets the rubric, so PASS", True),
        ("It does not pass", None),
        ("PASS or FAIL? Hard to say, FAIL", None),
        ("PASS, though it does not name Rayleigh", True),
        ("maybe", None),
        ("", None),
    ],
)
def test_judge_verdicts_are_read_strictly(reply: str, verdict: bool | None) -> None:
    assert parse_verdict(reply) is verdict


def _judge_ctx(judge: ScriptedBackend) -> GradeContext:
    case = Case(id="sky", input="Why is the sky blue?", expected="Rayleigh scattering")
    return GradeContext(case=case, result=result("Sunlight scatters off air molecules."), judge=lambda spec: judge)


def test_llm_judge_asks_with_the_rubric_and_reads_pass() -> None:
    judge = ScriptedBackend(["PASS"])
    outcome = grade({"llm_judge": "mentions scattering"}, _judge_ctx(judge))
    assert outcome.passed is True
    prompt = str(judge.requests[0].messages[-1].content)
    assert "mentions scattering" in prompt and "Sunlight scatters" in prompt and "Rayleigh" in prompt


def test_llm_judge_reasks_an_unreadable_reply() -> None:
    judge = ScriptedBackend(["I think it is good", "FAIL"])
    outcome = grade({"llm_judge": "mentions scattering"}, _judge_ctx(judge))
    assert outcome.passed is False
    assert len(judge.requests) == 2
    assert "PASS or FAIL" in str(judge.requests[1].messages[-1].content)


def test_llm_judge_that_never_answers_clearly_is_unscored_not_failed() -> None:
    judge = ScriptedBackend(["hmm", "well"])
    outcome = grade({"llm_judge": {"rubric": "x", "attempts": 2}}, _judge_ctx(judge))
    assert outcome.passed is None and outcome.score is None
    assert "no readable verdict" in outcome.reason


def test_llm_judge_stops_generation_at_the_verdict() -> None:
    judge = ScriptedBackend(["PASS because the answer explains Rayleigh scattering in detail and more words"])
    assert grade({"llm_judge": "x"}, _judge_ctx(judge)).passed is True


# -- custom python graders ----------------------------------------------------------------------------------
def polite(ctx: GradeContext, *, word: str = "please") -> tuple[bool, str]:
    return word in ctx.answer, f"looked for {word!r}"


def length_score(ctx: GradeContext) -> float:
    return min(1.0, len(ctx.answer) / 10)


def test_python_grader_by_import_path_with_options() -> None:
    path = f"{__name__}:polite"
    assert grade({"python": path}, ctx("yes please")).passed is True
    outcome = grade({"python": {"function": path, "options": {"word": "thanks"}}}, ctx("yes please"))
    assert outcome.passed is False and "thanks" in outcome.reason


def test_python_grader_float_scores_pass_at_the_threshold() -> None:
    path = f"{__name__}:length_score"
    outcome = grade({"python": {"function": path, "threshold": 0.5}}, ctx("12345"))
    assert outcome.passed is True and outcome.score == 0.5
    assert grade({"python": {"function": path, "threshold": 0.6}}, ctx("12345")).passed is False


def test_python_grader_with_a_bad_path_is_refused_when_parsed() -> None:
    with pytest.raises(GraderSpecError) as err:
        parse_grader({"python": "no_such_module_xyz:fn"})
    assert "cannot import no_such_module_xyz" in err.value.message


# -- parsing --------------------------------------------------------------------------------------------------
def test_unknown_kind_suggests_the_closest() -> None:
    with pytest.raises(GraderSpecError) as err:
        parse_grader({"exakt": "x"})
    assert "did you mean 'exact'" in err.value.message


def test_bad_option_points_at_the_option() -> None:
    with pytest.raises(GraderSpecError) as err:
        parse_grader({"numeric": {"tolerance": "wide"}})
    assert err.value.loc == ("numeric", "tolerance")


def test_a_grader_without_expected_or_value_raises_when_grading() -> None:
    with pytest.raises(ValueError, match="no 'expected'"):
        grade("exact", ctx("x"))
