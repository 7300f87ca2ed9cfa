"""BFCL suites: loading the data, the case's functions as recording tools, and BFCL's AST grading."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ponder.agents.agent import Agent
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.errors import InputError, MissingDependency, ToolArgumentsError
from ponder.evals import bfcl
from ponder.evals.bfcl import BfclCall, BfclCase, grade
from ponder.evals.suite import Suite


def _case(
    parameters: dict[str, Any],
    answer: dict[str, list[Any]],
    *,
    required: list[str] | None = None,
    name: str = "book.flight",
    category: str = "simple_python",
    extra_functions: list[dict[str, Any]] | None = None,
) -> BfclCase:
    function = {
        "name": name,
        "description": "Book a flight.",
        "parameters": {"type": "dict", "properties": parameters, "required": required or []},
    }
    return BfclCase(
        id="hand_0",
        category=category,
        messages=[{"role": "user", "content": "Book it."}],
        functions=[function, *(extra_functions or [])],
        ground_truth=[{name: answer}],
    )


def _one(case: BfclCase, **arguments: Any) -> bfcl.BfclVerdict:
    return grade([BfclCall(next(iter(case.ground_truth[0])), arguments)], case)


CITY = {"city": {"type": "string", "description": "Destination."}}


# -- strings ------------------------------------------------------------------------------------
def test_strings_match_ignoring_case_spaces_and_bfcl_punctuation() -> None:
    case = _case({"date": {"type": "string", "description": "When."}}, {"date": ["April 1, 2024"]})
    assert _one(case, date="april 1 2024").ok
    assert _one(case, date="APRIL-1_2024.").ok


def test_a_different_string_is_wrong_arguments_naming_the_parameter() -> None:
    case = _case(CITY, {"city": ["New York", "NYC"]}, required=["city"])
    assert _one(case, city="nyc").ok
    verdict = _one(case, city="Boston")
    assert (verdict.ok, verdict.kind) == (False, "wrong_arguments")
    assert "'city'" in verdict.detail and "Boston" in verdict.detail


# -- types --------------------------------------------------------------------------------------
def test_an_int_is_accepted_for_a_float_but_not_a_float_for_an_int() -> None:
    case = _case(
        {"price": {"type": "float", "description": "p"}, "seats": {"type": "integer", "description": "s"}},
        {"price": [100.0], "seats": [2]},
    )
    assert _one(case, price=100, seats=2).ok
    verdict = _one(case, price=100.0, seats=2.0)
    assert verdict.kind == "wrong_arguments" and "Incorrect type for parameter 'seats'" in verdict.detail


def test_a_bool_is_not_an_int_and_a_numeric_string_is_not_a_number() -> None:
    case = _case({"seats": {"type": "integer", "description": "s"}}, {"seats": [1]})
    assert _one(case, seats=True).kind == "wrong_arguments"
    assert _one(case, seats="1").kind == "wrong_arguments"


# -- present, absent, unknown ---------------------------------------------------------------------
def test_an_optional_parameter_may_be_left_out_only_when_its_answers_include_empty() -> None:
    params = {**CITY, "cabin": {"type": "string", "description": "c"}}
    optional = _case(params, {"city": ["Paris"], "cabin": ["economy", ""]}, required=["city"])
    assert _one(optional, city="Paris").ok
    assert _one(optional, city="Paris", cabin="Economy").ok
    expected = _case(params, {"city": ["Paris"], "cabin": ["economy"]}, required=["city"])
    verdict = _one(expected, city="Paris")
    assert verdict.kind == "wrong_arguments" and "'cabin' not provided" in verdict.detail


def test_a_missing_required_parameter_is_wrong_arguments() -> None:
    case = _case(CITY, {"city": ["Paris"]}, required=["city"])
    verdict = _one(case)
    assert verdict.kind == "wrong_arguments" and "Missing required parameter: 'city'" in verdict.detail


def test_an_unknown_parameter_is_wrong_arguments() -> None:
    case = _case(CITY, {"city": ["Paris"]}, required=["city"])
    verdict = _one(case, city="Paris", airline="KLM")
    assert verdict.kind == "wrong_arguments" and "Unexpected parameter: 'airline'" in verdict.detail


# -- nested values --------------------------------------------------------------------------------
def test_lists_compare_in_order_with_their_strings_normalised() -> None:
    case = _case(
        {"stops": {"type": "array", "items": {"type": "string"}, "description": "s"}},
        {"stops": [["New York", "Boston"]]},
    )
    assert _one(case, stops=["new york", "BOSTON"]).ok
    assert _one(case, stops=["Boston", "New York"]).kind == "wrong_arguments"
    assert _one(case, stops=["New York"]).kind == "wrong_arguments"


def test_dicts_compare_key_by_key_with_optional_keys() -> None:
    case = _case(
        {"budget": {"type": "dict", "description": "b", "properties": {}}},
        {"budget": [{"min": [300], "max": [400], "currency": ["USD", ""]}]},
    )
    assert _one(case, budget={"min": 300, "max": 400}).ok
    assert _one(case, budget={"min": 300, "max": 400, "currency": "usd"}).ok
    assert "Missing dict key" in _one(case, budget={"min": 300}).detail
    assert "Unexpected dict key" in _one(case, budget={"min": 300, "max": 400, "tax": 1}).detail
    assert _one(case, budget={"min": 300, "max": 500}).kind == "wrong_arguments"


def test_lists_of_dicts_compare_each_dict_in_order() -> None:
    case = _case(
        {"legs": {"type": "array", "items": {"type": "dict"}, "description": "l"}},
        {"legs": [[{"from": ["NYC"], "to": ["BOS"]}, {"from": ["BOS"], "to": ["NYC"]}]]},
    )
    assert _one(case, legs=[{"from": "nyc", "to": "bos"}, {"from": "BOS", "to": "NYC"}]).ok
    assert (
        _one(case, legs=[{"from": "BOS", "to": "NYC"}, {"from": "NYC", "to": "BOS"}]).kind
        == "wrong_arguments"
    )


# -- which call ----------------------------------------------------------------------------------
def test_calling_another_offered_function_is_wrong_function() -> None:
    other = {
        "name": "book.hotel",
        "description": "Book a hotel.",
        "parameters": {"type": "dict", "properties": CITY},
    }
    case = _case(CITY, {"city": ["Paris"]}, category="multiple", extra_functions=[other])
    verdict = grade([BfclCall("book.hotel", {"city": "Paris"})], case)
    assert (verdict.kind, verdict.detail) == ("wrong_tool", "called book.hotel, expected book.flight")


def test_no_call_is_its_own_failure_kind() -> None:
    assert grade([], _case(CITY, {"city": ["Paris"]})).kind == "no_call"


def test_simple_categories_grade_the_first_call_only() -> None:
    case = _case(CITY, {"city": ["Paris"]})
    right, wrong = BfclCall("book.flight", {"city": "Paris"}), BfclCall("book.flight", {"city": "Rome"})
    verdict = grade([right, wrong], case)
    assert verdict.ok and "first of 2" in verdict.detail
    assert grade([wrong, right], case).kind == "wrong_arguments"


def _parallel_case() -> BfclCase:
    return BfclCase(
        id="hand_parallel",
        category="parallel",
        messages=[{"role": "user", "content": "Paris and Rome."}],
        functions=_case(CITY, {}).functions,
        ground_truth=[{"book.flight": {"city": ["Paris"]}}, {"book.flight": {"city": ["Rome"]}}],
    )


PARIS, ROME = BfclCall("book.flight", {"city": "Paris"}), BfclCall("book.flight", {"city": "Rome"})


def test_parallel_categories_need_every_call_in_any_order() -> None:
    case = _parallel_case()
    assert grade([ROME, PARIS], case).ok
    assert grade([PARIS, PARIS], case).kind == "wrong_arguments"
    assert grade([PARIS, BfclCall("book.hotel", {"city": "Rome"})], case).kind == "wrong_tool"


def test_too_few_parallel_calls_are_missing_and_too_many_are_extra() -> None:
    case = _parallel_case()
    missing = grade([PARIS], case)
    assert (missing.kind, missing.detail) == (
        "missing_call",
        "expected 2 calls (book.flight, book.flight), got 1 (book.flight)",
    )
    assert grade([PARIS, ROME, ROME], case).kind == "extra_call"


def test_parallel_categories_grade_the_calls_of_the_first_step_that_made_any() -> None:
    case = _parallel_case()
    one_step = [replace(PARIS, step=2), replace(ROME, step=2), replace(ROME, step=3)]
    assert grade(one_step, case).ok
    two_steps = [replace(PARIS, step=1), replace(ROME, step=2)]
    verdict = grade(two_steps, case)
    assert verdict.kind == "missing_call"
    assert verdict.detail.endswith("(first step graded; all 2 calls over 2 steps would match)")
    assert bfcl.matches_over_steps(two_steps, case)
    assert not bfcl.matches_over_steps([PARIS], case)


# -- irrelevance ---------------------------------------------------------------------------------
def _irrelevant() -> BfclCase:
    return replace(_case(CITY, {}), category="irrelevance", ground_truth=[])


def test_irrelevance_is_right_when_no_call_is_made() -> None:
    assert grade([], _irrelevant()) == bfcl.BfclVerdict(True, "ok", "")


def test_irrelevance_fails_as_extra_call_on_any_call_valid_or_refused() -> None:
    made = grade([PARIS], _irrelevant())
    assert (made.ok, made.kind) == (False, "extra_call")
    assert "book.flight" in made.detail
    refused = grade([], _irrelevant(), refused=["book_flight: Invalid arguments for book_flight"])
    assert (refused.ok, refused.kind) == (False, "extra_call")


# -- the real data --------------------------------------------------------------------------------
REAL = [
    "simple_python_0",
    "simple_python_1",
    "simple_python_89",
    "simple_python_96",
    "simple_python_348",
    "multiple_8",
]


def _require_data() -> None:
    if importlib.util.find_spec("bfcl_eval") is None:
        pytest.skip(f"the BFCL data is not installed ({bfcl.INSTALL})")


def _real(case_id: str) -> BfclCase:
    _require_data()
    category = case_id.rsplit("_", 1)[0]
    return next(c for c in bfcl.load_cases(category) if c.id == case_id)


@pytest.mark.parametrize("case_id", REAL)
def test_real_ground_truth_passes_and_a_changed_value_fails(case_id: str) -> None:
    case = _real(case_id)
    (call,) = bfcl.ground_truth_calls(case)
    assert grade([call], case).ok
    param, value = next(iter(call.arguments.items()))
    changed = {**call.arguments, param: _changed(value)}
    verdict = grade([BfclCall(call.name, changed)], case)
    assert (verdict.ok, verdict.kind) == (False, "wrong_arguments")


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + " somewhere else"
    if isinstance(value, list):
        return [*value, value[0]]
    return {**value, "unknown_key": 1}


def test_real_ground_truth_of_every_simple_and_multiple_case_passes_through_the_tools() -> None:
    """The right call, sent through each case's tools (validation included), is graded right."""
    _require_data()
    failures = []
    for category in ("simple_python", "multiple"):
        for case in bfcl.load_cases(category):
            tools, recorder = bfcl.tools_for(case)
            by_bfcl = {o.bfcl_name: (o, t) for o, t in zip(bfcl.offered_functions(case), tools, strict=True)}
            for call in bfcl.ground_truth_calls(case):
                offered, tool = by_bfcl[call.name]
                back = {v: k for k, v in offered.renames.items()}
                tool.invoke(tool.validate({back.get(k, k): v for k, v in call.arguments.items()}))
            if not grade(recorder.calls, case).ok:
                failures.append(case.id)
    assert failures == []


def test_load_cases_reads_questions_answers_and_limit() -> None:
    _require_data()
    cases = bfcl.load_cases("simple_python", limit=3)
    assert [c.id for c in cases] == ["simple_python_0", "simple_python_1", "simple_python_2"]
    assert cases[0].prompt == "Find the area of a triangle with a base of 10 units and height of 5 units."
    assert cases[1].ground_truth == [{"math.factorial": {"number": [5]}}]
    assert len(bfcl.load_cases("multiple")) == 200


def test_load_cases_refuses_unknown_categories_and_names_the_install_when_data_is_missing(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError, match="simple_python"):
        bfcl.load_cases("simple_cobol")
    with pytest.raises(MissingDependency) as caught:
        bfcl.load_cases("simple_python", data_dir=tmp_path)
    assert "pip install --no-deps bfcl-eval==2026.3.23" in str(caught.value)


def test_irrelevance_cases_load_with_their_functions_and_no_answers() -> None:
    _require_data()
    cases = bfcl.load_cases("irrelevance")
    assert len(cases) == 240
    first = cases[0]
    assert (first.id, first.category, first.ground_truth) == ("irrelevance_0", "irrelevance", [])
    assert first.functions and first.prompt
    assert grade([], first).ok


@pytest.mark.parametrize(("category", "count"), [("parallel", 200), ("parallel_multiple", 200)])
def test_parallel_cases_load_with_several_expected_calls(category: str, count: int) -> None:
    _require_data()
    cases = bfcl.load_cases(category)
    assert len(cases) == count
    assert all(c.parallel and len(c.ground_truth) >= 2 for c in cases)
    case = cases[0]
    calls = bfcl.ground_truth_calls(case)
    assert grade(list(reversed(calls)), case).ok
    assert grade(calls[:1], case).kind == "missing_call"


# -- tools ---------------------------------------------------------------------------------------
def test_tools_get_api_safe_names_and_record_calls_under_bfcl_names() -> None:
    case = _real("simple_python_1")
    (tool,), recorder = bfcl.tools_for(case)
    assert tool.name == "math_factorial"
    assert tool.description.endswith("Note that the provided function is in Python 3 syntax.")
    assert tool.invoke(tool.validate({"number": 5})) == "ok: math_factorial called"
    assert recorder.calls == [BfclCall("math.factorial", {"number": 5})]


def test_tools_validate_against_the_function_doc() -> None:
    case = _real("simple_python_0")
    (tool,), recorder = bfcl.tools_for(case)
    with pytest.raises(ToolArgumentsError, match="'base' is required"):
        tool.validate({"height": 5})
    with pytest.raises(ToolArgumentsError, match="'colour' is not a parameter"):
        tool.validate({"base": 10, "height": 5, "colour": "red"})
    assert recorder.calls == []


def test_a_parameter_with_a_leading_underscore_is_offered_renamed_and_graded_by_its_bfcl_name() -> None:
    case = _real("simple_python_348")
    (tool,), recorder = bfcl.tools_for(case)
    assert "class_" in tool.parameters["properties"] and "_class" not in tool.parameters["properties"]
    (call,) = bfcl.ground_truth_calls(case)
    arguments = {("class_" if k == "_class" else k): v for k, v in call.arguments.items()}
    tool.invoke(tool.validate(arguments))
    assert "_class" in recorder.calls[0].arguments
    assert grade(recorder.calls, case).ok


def test_a_ponder_run_on_a_case_is_graded_from_its_tools_or_its_trajectory() -> None:
    case = _real("simple_python_1")
    tools, recorder = bfcl.tools_for(case)
    backend = ScriptedBackend(
        [Scripted(tool_calls=[("math_factorial", {"number": 5})]), "The factorial of 5 is 120."]
    )
    result = Agent(backend, tools=tools).run(case.prompt)
    assert grade(recorder.calls, case).ok
    assert bfcl.calls_from_run(result, case) == recorder.calls


# -- as an eval suite -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def suite() -> Suite:
    from ponder.evals.sources import load_suite

    _require_data()
    return load_suite("bfcl:simple_python,multiple")


def test_bfcl_source_gives_one_case_per_question_with_its_tools_and_the_bfcl_grader(suite: Suite) -> None:
    assert len(suite.cases) == 600
    first = suite.cases[1]
    assert (first.id, first.tags, [g.kind for g in first.graders]) == (
        "simple_python_1",
        ("simple_python",),
        ["bfcl"],
    )
    assert first.tools is not None and [t.name for t in first.tools] == ["math_factorial"]
    assert suite.cases[-1].tags == ("multiple",)


@pytest.mark.parametrize(
    ("replies", "passed", "reason"),
    [
        ([Scripted(tool_calls=[("math_factorial", {"number": 5})]), "120"], True, "ok"),
        (
            [Scripted(tool_calls=[("math_factorial", {"number": 6})]), "720"],
            False,
            "wrong_arguments: math.factorial: Invalid value for parameter 'number': 6.",
        ),
        (["It is 120."], False, "no_call: the model made no call that reached a tool"),
    ],
)
def test_bfcl_grader_grades_a_ponder_run_of_a_suite_case(
    suite: Suite, replies: list[Any], passed: bool, reason: str
) -> None:
    from ponder.evals.grading import GradeContext, parse_grader

    case = suite.cases[1]
    result = Agent(ScriptedBackend(replies), tools=case.tools or []).run(case.input)
    grade_result = parse_grader("bfcl").grade(GradeContext(case=case, result=result))
    assert grade_result.passed is passed
    assert grade_result.reason.startswith(reason)


def test_an_eval_run_of_a_bfcl_source_reports_accuracy_per_category() -> None:
    from ponder.evals.api import evaluate
    from ponder.evals.sources import load_suite

    _require_data()
    suite = load_suite("bfcl:simple_python,multiple:1")
    assert [c.id for c in suite.cases] == ["simple_python_0", "multiple_0"]
    backend = ScriptedBackend(
        [
            Scripted(tool_calls=[("calculate_triangle_area", {"base": 10, "height": 5})]),
            "The area is 25.",
            "I cannot tell.",
        ]
    )
    report = evaluate(suite, model=backend, concurrency=1, cache_dir=None)
    assert (report.tags["simple_python"].passed, report.tags["simple_python"].runs) == (1, 1)
    assert (report.tags["multiple"].passed, report.tags["multiple"].failed) == (0, 1)
    assert (
        next(c for c in report.cases if c.id == "multiple_0").reason
        == "bfcl: no_call: the model made no call that reached a tool"
    )


def test_a_bfcl_source_with_a_bad_count_is_refused() -> None:
    from ponder.evals.sources import load_suite

    with pytest.raises(InputError, match="not a number of cases"):
        load_suite("bfcl:simple_python:all")


def test_a_multi_turn_category_is_not_a_suite_and_the_error_says_where_it_runs() -> None:
    from ponder.evals.sources import load_suite

    with pytest.raises(InputError) as caught:
        load_suite("bfcl:multi_turn_base")
    assert "bfcl_compare.py" in str(caught.value.fix)


@pytest.mark.parametrize(
    ("replies", "passed", "reason"),
    [
        (["No function here can answer that."], True, "ok"),
        ([Scripted(tool_calls=[("determine_body_mass_index", {"weight": 70, "height": 1.8})]), "Done."], False, "extra_call"),
        ([Scripted(tool_calls=[("determine_body_mass_index", {"mass": 70})]), "Sorry."], False, "extra_call"),
    ],
)
def test_the_bfcl_grader_passes_an_irrelevance_case_only_when_the_agent_calls_nothing(
    replies: list[Any], passed: bool, reason: str
) -> None:
    from ponder.evals.grading import GradeContext, parse_grader
    from ponder.evals.sources import load_suite

    _require_data()
    (case,) = load_suite("bfcl:irrelevance:1").cases
    assert case.tools is not None and [t.name for t in case.tools] == ["determine_body_mass_index"]
    result = Agent(ScriptedBackend(replies), tools=case.tools).run(case.input)
    graded = parse_grader("bfcl").grade(GradeContext(case=case, result=result))
    assert (graded.passed, graded.reason.split(":")[0]) == (passed, reason)
