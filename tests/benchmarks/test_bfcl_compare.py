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


def _run(agent: str, case: bfcl.BfclCase, backend: Any, timeout: float = 30.0) -> Any:
    return BENCH.run_case(agent, case, backend, max_steps=3, timeout=timeout)


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
        ("react", ["Thought: tool\nAction: math_factorial\nAction Input: five", REACT_ANSWER], "parse_error"),
        ("react", [REACT_CALL.replace("math_factorial", "factorial_of"), REACT_ANSWER], "wrong_function"),
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
    assert (right.kind, right.calls) == ("ok", [{"name": "math.factorial", "arguments": {"number": 5}}])
    text = '```json\n{"name": "math_factorial", "arguments": {"number": 5}}\n```'
    unread = _run("function", factorial, _fc_backend(ChatMessage(role=MessageRole.ASSISTANT, content=text)))
    assert unread.kind == "parse_error" and "math_factorial" in unread.detail


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
    assert kinds[("simple_python_1", "react")] == "parse_error"
    assert kinds[("simple_python_2", "react")] == "wrong_function"
    assert kinds[("simple_python_3", "react")] == "timeout"
    table = capsys.readouterr().out
    assert "| simple_python | ponder | 4 | 25.0% (1) |" in table
    assert "| simple_python | function | 4 | 0.0% (0) |" in table
