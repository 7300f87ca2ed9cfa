"""The BFCL comparison benchmark classifies every run of every agent, whatever the model does."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM

from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.evals import bfcl

ROOT = Path(__file__).resolve().parents[2]


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bfcl_compare", ROOT / "benchmarks" / "bfcl_compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


BENCH = _benchmark()


@pytest.fixture(scope="module")
def factorial() -> bfcl.BfclCase:
    if importlib.util.find_spec("bfcl_eval") is None:
        pytest.skip(f"the BFCL data is not installed ({bfcl.INSTALL})")
    return bfcl.load_cases("simple_python", limit=2)[1]  # math.factorial(number=5)


def _settings(timeout: float = 30.0, **more: Any) -> dict[str, Any]:
    return {"max_steps": 3, "timeout": timeout, "turn_steps": 4, "conversation_timeout": timeout, **more}


def _run(agent: str, case: Any, backend: Any, timeout: float = 30.0) -> Any:
    return BENCH.run_case(agent, case, backend, settings=_settings(timeout))


REACT_CALL = 'Thought: I need the tool.\nAction: math_factorial\nAction Input: {"number": 5}'
REACT_ANSWER = "Thought: I can answer without using any more tools.\nAnswer: 120"


@pytest.mark.parametrize(
    ("agent", "replies", "kind"),
    [
        ("ponder", [Scripted(tool_calls=[("math_factorial", {"number": 5})]), "120"], "ok"),
        (
            "ponder",
            ['```json\n{"name": "math_factorial", "arguments": {"number": 4}}\n```', "24"],
            "wrong_arguments",
        ),
        ("ponder", ["It is 120."], "no_call"),
        ("ponder", [Scripted(fail="the server went away")], "crash"),
        ("react", [REACT_CALL, REACT_ANSWER], "ok"),
        ("react", ["Thought: tool\nAction: math_factorial\nAction Input: five", REACT_ANSWER], "format"),
        ("react", [REACT_CALL.replace("math_factorial", "factorial_of"), REACT_ANSWER], "wrong_tool"),
        ("react", [], "crash"),
    ],
)
def test_every_run_ends_in_one_classified_verdict(
    factorial: bfcl.BfclCase, agent: str, replies: list[Any], kind: str
) -> None:
    outcome = _run(agent, factorial, ScriptedBackend(replies))
    assert (outcome.ok, outcome.kind) == (kind == "ok", kind)


def test_a_stock_agent_past_its_time_limit_is_a_timeout(factorial: bfcl.BfclCase) -> None:
    outcome = _run("react", factorial, ScriptedBackend([Scripted(text=REACT_ANSWER, delay=1.2)]), timeout=0.5)
    assert outcome.kind == "timeout"


def _fc_backend(first: ChatMessage) -> ScriptedBackend:
    """A backend whose LlamaIndex LLM is a function-calling one (FunctionAgent refuses others)."""

    def respond(messages: Sequence[ChatMessage], **_: Any) -> ChatMessage:
        if any(m.role == MessageRole.TOOL for m in messages):
            return ChatMessage(role=MessageRole.ASSISTANT, content="120")
        return first

    backend = ScriptedBackend()
    backend._llm = MockFunctionCallingLLM(response_generator=respond)  # type: ignore[assignment]
    return backend


def test_function_agent_calls_are_graded_and_calls_left_in_its_text_are_parse_errors(
    factorial: bfcl.BfclCase,
) -> None:
    call = ToolCallBlock(tool_call_id="c1", tool_name="math_factorial", tool_kwargs={"number": 5})
    right = _run("function", factorial, _fc_backend(ChatMessage(role=MessageRole.ASSISTANT, blocks=[call])))
    assert (right.kind, right.calls) == ("ok", [{"name": "math.factorial", "arguments": {"number": 5}, "step": 1}])
    text = '```json\n{"name": "math_factorial", "arguments": {"number": 5}}\n```'
    unread = _run("function", factorial, _fc_backend(ChatMessage(role=MessageRole.ASSISTANT, content=text)))
    assert unread.kind == "format" and "math_factorial" in unread.detail


def test_function_agent_on_a_plain_llm_is_a_crash_with_the_reason(factorial: bfcl.BfclCase) -> None:
    outcome = _run("function", factorial, ScriptedBackend(["120"]))
    assert (outcome.kind, outcome.detail) == ("crash", "ValueError: LLM must be a FunctionCallingLLM")


def test_the_script_writes_a_line_per_case_and_agent_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], factorial: bfcl.BfclCase
) -> None:
    script = ROOT / "benchmarks" / "fixtures" / "bfcl_scripted.json"
    out = tmp_path / "results.jsonl"
    argv = [
        "--model",
        f"scripted:{script}",
        "--categories",
        "simple_python",
        "--limit",
        "4",
        "--timeout",
        "2",
    ]
    assert BENCH.main([*argv, "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 12
    kinds = {(r["case"], r["agent"]): r["kind"] for r in rows}
    assert kinds[("simple_python_0", "ponder")] == kinds[("simple_python_0", "react")] == "ok"
    assert kinds[("simple_python_1", "ponder")] == "wrong_arguments"
    assert kinds[("simple_python_1", "react")] == "format"
    assert kinds[("simple_python_2", "react")] == "wrong_tool"
    assert kinds[("simple_python_3", "react")] == "timeout"
    table = capsys.readouterr().out
    assert "| simple_python | ponder | 4 | 25.0% (1) |" in table
    assert "| simple_python | function | 4 | 0.0% (0) |" in table


# -- the new categories ------------------------------------------------------------------------------
def _load(case_id: str) -> Any:
    if importlib.util.find_spec("bfcl_eval") is None:
        pytest.skip(f"the BFCL data is not installed ({bfcl.INSTALL})")
    category = case_id.rsplit("_", 1)[0]
    return next(c for c in BENCH.load(category) if c.id == case_id)


def test_parallel_calls_in_one_step_pass_and_calls_spread_over_steps_do_not() -> None:
    case = _load("parallel_1")  # calculate_em_force twice
    first, second = (dict(c.arguments) for c in bfcl.ground_truth_calls(case))
    together = [Scripted(tool_calls=[("calculate_em_force", first), ("calculate_em_force", second)]), "Done."]
    assert _run("ponder", case, ScriptedBackend(together)).kind == "ok"
    apart = [
        Scripted(tool_calls=[("calculate_em_force", first)]),
        Scripted(tool_calls=[("calculate_em_force", second)]),
        "Done.",
    ]
    outcome = _run("ponder", case, ScriptedBackend(apart))
    assert (outcome.kind, outcome.over_steps) == ("missing_call", True)
    assert [c["step"] for c in outcome.calls] == [1, 2]


def test_react_calls_are_dated_by_the_step_that_asked_for_them() -> None:
    case = _load("parallel_1")
    first, second = (dict(c.arguments) for c in bfcl.ground_truth_calls(case))
    replies = [
        f"Thought: one.\nAction: calculate_em_force\nAction Input: {json.dumps(first)}",
        f"Thought: two.\nAction: calculate_em_force\nAction Input: {json.dumps(second)}",
        REACT_ANSWER,
    ]
    outcome = _run("react", case, ScriptedBackend(replies))
    assert (outcome.kind, [c["step"] for c in outcome.calls], outcome.over_steps) == ("missing_call", [1, 2], True)


@pytest.mark.parametrize(
    ("agent", "replies", "kind"),
    [
        ("ponder", ["No function here fits that question."], "ok"),
        # made-up values are questioned once; made again, the call runs
        ("ponder", [Scripted(tool_calls=[("determine_body_mass_index", {"weight": 70, "height": 1.8})])] * 2 + ["Done."], "extra_call"),
        ("ponder", [Scripted(tool_calls=[("determine_body_mass_index", {"mass": 70})]), "Sorry."], "extra_call"),
        ("react", [REACT_ANSWER], "ok"),
        ("react", [], "crash"),
    ],
)
def test_irrelevance_is_right_only_without_any_call(agent: str, replies: list[Any], kind: str) -> None:
    outcome = _run(agent, _load("irrelevance_0"), ScriptedBackend(replies))
    assert (outcome.ok, outcome.kind) == (kind == "ok", kind)


def test_an_irrelevance_run_that_times_out_is_a_timeout_not_a_pass() -> None:
    outcome = _run("react", _load("irrelevance_0"), ScriptedBackend([Scripted(text=REACT_ANSWER, delay=1.2)]), timeout=0.5)
    assert (outcome.ok, outcome.kind) == (False, "timeout")


MT_RIGHT = [
    Scripted(tool_calls=[("ls", {"a": True})]),
    "Here is everything.",
    Scripted(tool_calls=[("cd", {"folder": "workspace"})]),
    Scripted(tool_calls=[("mv", {"source": "log.txt", "destination": "archive"})]),
    "Moved.",
    Scripted(tool_calls=[("cd", {"folder": "archive"}), ("grep", {"file_name": "log.txt", "pattern": "Error"})]),
    "One line has it.",
    Scripted(tool_calls=[("tail", {"file_name": "log.txt", "lines": 20})]),
    "That is the end of the file.",
]


def test_a_multi_turn_case_runs_turn_by_turn_in_one_session_and_bfcls_checker_grades_it() -> None:
    backend = ScriptedBackend(MT_RIGHT)
    outcome = _run("ponder", _load("multi_turn_base_1"), backend)
    assert (outcome.ok, outcome.kind, outcome.end) == (True, "ok", "answer")
    assert [[c["name"] for c in turn] for turn in outcome.calls] == [["ls"], ["cd", "mv"], ["cd", "grep"], ["tail"]]
    last_request = [str(m.content) for m in backend.requests[-1].messages]
    assert any("I am alex" in m for m in last_request)  # the first turn is still in the session
    assert any("last 20 lines" in m for m in last_request)


def test_a_multi_turn_call_with_other_arguments_is_wrong_state() -> None:
    replies = list(MT_RIGHT)
    replies[3] = Scripted(tool_calls=[("mv", {"source": "log.txt", "destination": "old"})])
    outcome = _run("ponder", _load("multi_turn_base_1"), ScriptedBackend(replies))
    assert (outcome.ok, outcome.kind) == (False, "wrong_state")
    assert outcome.detail.startswith("turn 1:")


def test_a_multi_turn_case_that_runs_out_of_time_is_a_timeout_naming_the_turn() -> None:
    replies = [*MT_RIGHT[:2], Scripted(text="Let me think.", delay=1.5), "Out of time."]  # Ponder's last attempt
    outcome = _run("ponder", _load("multi_turn_base_1"), ScriptedBackend(replies), timeout=1.0)
    assert (outcome.ok, outcome.kind) == (False, "timeout")
    assert outcome.detail.startswith("stopped in turn 1 of 4")


def test_react_keeps_its_session_across_turns_in_one_memory() -> None:
    def act(name: str, arguments: dict[str, Any]) -> str:
        return f"Thought: I need {name}.\nAction: {name}\nAction Input: {json.dumps(arguments)}"

    replies = [
        act("ls", {"a": True}),
        REACT_ANSWER,
        act("cd", {"folder": "workspace"}),
        act("mv", {"source": "log.txt", "destination": "archive"}),
        REACT_ANSWER,
        act("cd", {"folder": "archive"}),
        act("grep", {"file_name": "log.txt", "pattern": "Error"}),
        REACT_ANSWER,
        act("tail", {"file_name": "log.txt", "lines": 20}),
        REACT_ANSWER,
    ]
    backend = ScriptedBackend(replies)
    outcome = _run("react", _load("multi_turn_base_1"), backend)
    assert (outcome.ok, outcome.kind) == (True, "ok")
    assert any("I am alex" in str(m.content) for m in backend.llm.requests[-1])


# -- running in parts ----------------------------------------------------------------------------------
def test_stratified_selection_spreads_over_the_category_before_skip_and_limit() -> None:
    cases = list(range(100))
    assert BENCH.select(cases, stratified=4, skip=0, limit=None) == [12, 37, 62, 87]
    assert BENCH.select(cases, stratified=4, skip=1, limit=2) == [37, 62]
    assert BENCH.select(cases, stratified=None, skip=98, limit=5) == [98, 99]
    assert BENCH.select(cases[:3], stratified=10, skip=0, limit=None) == [0, 1, 2]


def _echo(out: Path, *more: str) -> list[str]:
    return ["--model", "scripted:echo", "--agents", "ponder", "--categories", "irrelevance", "--out", str(out), *more]


def test_a_rerun_skips_the_finished_cases_and_reports_them_with_the_new_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _load("irrelevance_0")
    out = tmp_path / "runs.jsonl"
    assert BENCH.main(_echo(out, "--stratified", "3", "--limit", "2")) == 0
    first = out.read_text().splitlines()
    assert [json.loads(line)["case"] for line in first] == ["irrelevance_40", "irrelevance_120"]
    capsys.readouterr()
    assert BENCH.main(_echo(out, "--stratified", "3")) == 0
    lines = out.read_text().splitlines()
    assert lines[:2] == first and json.loads(lines[2])["case"] == "irrelevance_200"
    captured = capsys.readouterr()
    assert "2 results there, 1 to run" in captured.err
    assert "| irrelevance | ponder | 3 | 100.0% (3) |" in captured.out


def test_a_rerun_with_other_settings_is_refused_unless_fresh(tmp_path: Path) -> None:
    _load("irrelevance_0")
    out = tmp_path / "runs.jsonl"
    assert BENCH.main(_echo(out, "--limit", "1")) == 0
    with pytest.raises(SystemExit, match=r"other settings \(max_steps\).*--fresh"):
        BENCH.main(_echo(out, "--limit", "1", "--max-steps", "2"))
    assert BENCH.main(_echo(out, "--limit", "1", "--max-steps", "2", "--fresh")) == 0
    assert [json.loads(line)["settings"]["max_steps"] for line in out.read_text().splitlines()] == [2]


def test_each_result_records_the_prompt_tokens_read_and_the_table_shows_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _load("irrelevance_0")
    out = tmp_path / "runs.jsonl"
    assert BENCH.main(_echo(out, "--limit", "2")) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["tokens_read"] > 0 and r["model_calls"] == 1 for r in rows)
    mean = sum(r["tokens_read"] for r in rows) / 2
    assert f"| {mean:.0f} | - |" in capsys.readouterr().out


def test_the_held_out_live_categories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        BENCH.main(["--model", "scripted:echo", "--categories", "live_simple", "--out", str(tmp_path / "x.jsonl")])


@pytest.mark.slow
def test_on_the_embedded_model_an_irrelevance_case_gets_a_verdict_and_the_tokens_it_read(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="the embedded model needs pip install 'ponder[local]'")
    _load("irrelevance_0")
    out = tmp_path / "runs.jsonl"
    argv = ["--model", "local:qwen2.5-coder-1.5b", "--agents", "ponder", "--categories", "irrelevance", "--limit", "1"]
    assert BENCH.main([*argv, "--n-ctx", "4096", "--out", str(out)]) == 0
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["kind"] in ("ok", "extra_call", "timeout")
    assert row["tokens_read"] > 100 and row["model_calls"] >= 1


def test_a_data_dir_without_the_category_is_a_one_line_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        BENCH.main(["--data-dir", str(tmp_path), "--categories", "multiple", "--out", str(tmp_path / "r.jsonl")])
    assert exit_info.value.code == 2
    assert f"--data-dir {tmp_path} has no BFCL_v4_multiple.json" in capsys.readouterr().err


def test_the_fc_dev_set_loads_and_its_answers_grade_right() -> None:
    cases = bfcl.load_cases("multiple", data_dir=ROOT / "benchmarks" / "data" / "fc_dev")
    assert len(cases) == 24
    assert all(bfcl.grade(bfcl.ground_truth_calls(case), case).ok for case in cases)
