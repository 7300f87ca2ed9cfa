"""Eval logs for the report and viewer tests, made by the real runner on a scripted model.

The same three cases twice: the baseline passes all of them; the current run divides wrong
(it calls the calculator with ``84*2``), so ``divide#0`` flips from pass to fail.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage

from ponder.backends.scripted import Reply, Scripted, ScriptedBackend
from ponder.evals.api import evaluate
from ponder.evals.loading import parse_suite
from ponder.evals.report import Report

SUITE = """
name: demo
tools: [calculator]
cases:
  - {id: multiply, input: "What is 12 * 3?", expected: 36, tags: [math, tools], graders: [numeric, {tool_called: calculator}]}
  - {id: divide, input: "What is 84 / 2?", expected: 42, tags: [math, tools], graders: [numeric, {tool_called: calculator}]}
  - {id: greet, input: "Say hello", expected: hello, tags: [talk]}
"""


def model(*, divide_wrong: bool) -> ScriptedBackend:
    def reply(messages: Sequence[ChatMessage]) -> Reply:
        last = messages[-1]
        if last.role.value == "tool":
            return f"The answer is {last.content}."
        text = str(last.content)
        if "12 * 3" in text:
            return Scripted(text="I will multiply with the calculator.", tool_calls=[("calculator", {"expression": "12*3"})])
        if "84 / 2" in text:
            expression = "84*2" if divide_wrong else "84/2"
            return Scripted(text="I will divide with the calculator.", tool_calls=[("calculator", {"expression": expression})])
        return "hello there"

    return ScriptedBackend(responder=reply, model="demo-model" if divide_wrong else "demo-baseline")


def run_suite(log: Path, *, divide_wrong: bool) -> Report:
    suite = parse_suite(textwrap.dedent(SUITE), source="demo.yaml")
    return evaluate(suite, model=model(divide_wrong=divide_wrong), cache_dir=None, out=log, concurrency=2)


def write_logs(project: Path) -> tuple[Path, Path]:
    """(baseline log, current log) under ``project/.ponder/evals``."""
    evals = project / ".ponder" / "evals"
    baseline, current = evals / "demo-baseline.jsonl", evals / "demo.jsonl"
    run_suite(baseline, divide_wrong=False)
    run_suite(current, divide_wrong=True)
    return baseline, current
