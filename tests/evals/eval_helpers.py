"""Shared pieces for the eval tests: suites from YAML text, scripted models that do arithmetic."""

from __future__ import annotations

import re
import textwrap
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from ponder.agents.result import RunResult, StopReason, ToolCallRecord
from ponder.backends.scripted import Reply, Scripted, ScriptedBackend
from ponder.evals.grading import GradeContext
from ponder.evals.loading import parse_suite
from ponder.evals.suite import Case, Suite
from ponder.usage import Usage


def suite_from(text: str, *, base_dir: Path | None = None) -> Suite:
    return parse_suite(textwrap.dedent(text), source="suite.yaml", base_dir=base_dir)


def result(answer: str | None = "", *, calls: Sequence[tuple[str, dict[str, Any]]] = (), steps: int = 1,
           tokens: int = 0, seconds: float = 0.1, ok: bool = True) -> RunResult:
    return RunResult(
        task="t",
        answer=answer,
        stop_reason=StopReason.ANSWER,
        model="scripted:script",
        protocol="native",
        steps=steps,
        trajectory=[ToolCallRecord(step=1, name=n, arguments=a, output="x", ok=ok) for n, a in calls],
        usage=Usage(prompt_tokens=tokens, completion_tokens=0, model_calls=steps),
        seconds=seconds,
    )


def ctx(answer: str | None = "", *, expected: Any = None, **kwargs: Any) -> GradeContext:
    return GradeContext(case=Case(id="c", input="question?", expected=expected), result=result(answer, **kwargs))


_PRODUCT = re.compile(r"(\d+)\s*\*\s*(\d+)")


class ArithmeticModel:
    """A responder: 'What is A * B?' -> a calculator call, then 'The answer is <result>.'

    Thread-safe; counts calls and the most calls in flight at once; ``delay`` seconds per call.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, messages: Sequence[ChatMessage]) -> Reply:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            last = messages[-1]
            if last.role.value == "tool":
                return f"The answer is {last.content}."
            match = _PRODUCT.search(str(last.content))
            if match:
                return Scripted(tool_calls=[("calculator", {"expression": f"{match.group(1)} * {match.group(2)}"})])
            return f"You said: {last.content}"
        finally:
            with self._lock:
                self.in_flight -= 1

    def backend(self) -> ScriptedBackend:
        return ScriptedBackend(responder=self)


ARITHMETIC_SUITE = """
name: arithmetic
tools: [calculator]
cases:
  - id: a
    input: What is 12 * 3?
    expected: 36
    tags: [math]
    graders: [numeric, {tool_called: calculator}]
  - id: b
    input: What is 7 * 6?
    expected: 42
    tags: [math]
    graders: [numeric]
  - id: c
    input: hello
    expected: "You said: hello"
    tags: [talk]
"""
