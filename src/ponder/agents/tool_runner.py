"""Run one tool call within its time limit; every failure becomes an observation."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from ponder.agents.result import RunResult
from ponder.tools.base import Tool
from ponder.tools.context import RunContext


@dataclass
class ToolOutcome:
    output: Any
    ok: bool
    error_kind: str | None
    seconds: float
    inner: RunResult | None = None
    """The run of an agent called as a tool (its answer or stop is ``output``)."""


def run_tool(tool: Tool, arguments: dict[str, Any], timeout: float, context: RunContext[Any] | None = None) -> ToolOutcome:
    """Call ``tool`` in a worker thread; give up waiting after ``timeout`` seconds.

    A thread cannot be killed, so a tool that hangs keeps running in the background (daemon
    thread); tools that may hang for real (``python``, ``shell``) run in subprocesses they kill.
    ``context`` reaches tools that declare a ``RunContext`` parameter.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = tool.invoke(arguments, context)
        except BaseException as exc:  # the tool's failure is the model's observation
            box["error"] = exc

    started = time.perf_counter()
    worker = threading.Thread(target=target, name=f"ponder-tool-{tool.name}", daemon=True)
    worker.start()
    worker.join(timeout)
    seconds = time.perf_counter() - started
    if worker.is_alive():
        return ToolOutcome(
            f"Error: {tool.name} timed out after {timeout:g}s. Try simpler arguments or another approach.",
            ok=False,
            error_kind="timeout",
            seconds=seconds,
        )
    if "error" in box:
        exc = box["error"]
        message = str(exc) or type(exc).__name__
        return ToolOutcome(
            f"Error from {tool.name}: {type(exc).__name__}: {message}. Check the arguments or try another approach.",
            ok=False,
            error_kind="tool_error",
            seconds=seconds,
        )
    value = box.get("value")
    if isinstance(value, RunResult):  # an agent used as a tool: its run nests in this call
        from ponder.agents.agent_tool import observation_of

        ok = value.stop_reason == "answer"
        return ToolOutcome(
            observation_of(tool.name, value), ok=ok, error_kind=None if ok else "agent_stopped", seconds=seconds, inner=value
        )
    return ToolOutcome(value, ok=True, error_kind=None, seconds=seconds)
