"""Run one tool call within its time limit; every failure becomes an observation.

What a tool returns comes from outside (a web page, a program's output, a server): secrets in
it are redacted (``ponder.redact``) before the model, the user or a record sees it.

The tool runs in a worker thread with a copy of the loop's context: the current OpenTelemetry
span (the call's ``execute_tool`` span when tracing is on) is the parent of whatever the tool traces.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ponder import prompts
from ponder.agents.result import RunResult
from ponder.errors import MistakeKind
from ponder.redact import redact, redact_data
from ponder.tools.base import Tool
from ponder.tools.context import RunContext

log = logging.getLogger(__name__)


@dataclass
class ToolOutcome:
    output: Any
    ok: bool
    error_kind: MistakeKind | None
    seconds: float
    inner: RunResult | None = None
    """The run of an agent called as a tool (its answer or stop is ``output``)."""


def run_tool(
    tool: Tool, arguments: dict[str, Any], timeout: float, prompts_dir: Path | None = None, context: RunContext[Any] | None = None
) -> ToolOutcome:
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
    carried = contextvars.copy_context()
    worker = threading.Thread(target=carried.run, args=(target,), name=f"ponder-tool-{tool.name}", daemon=True)
    worker.start()
    worker.join(timeout)
    seconds = time.perf_counter() - started
    if worker.is_alive():
        log.warning("tool %s did not finish within %gs; the model is told it timed out", tool.name, timeout)
        return ToolOutcome(
            prompts.render("tool_timeout", prompts_dir, name=tool.name, seconds=f"{timeout:g}"),
            ok=False,
            error_kind=MistakeKind.TIMEOUT,
            seconds=seconds,
        )
    if "error" in box:
        exc = box["error"]
        message = redact(str(exc)) or type(exc).__name__
        log.info("tool %s failed after %.2fs: %s: %s", tool.name, seconds, type(exc).__name__, message)
        return ToolOutcome(
            prompts.render("tool_error", prompts_dir, name=tool.name, error=f"{type(exc).__name__}: {message}"),
            ok=False,
            error_kind=MistakeKind.TOOL_ERROR,
            seconds=seconds,
        )
    value = box.get("value")
    if isinstance(value, RunResult):  # an agent used as a tool: its run nests in this call
        from ponder.agents.agent_tool import observation_of

        ok = value.stop_reason == "answer"
        kind = None if ok else MistakeKind.AGENT_STOPPED
        return ToolOutcome(redact(observation_of(tool.name, value)), ok=ok, error_kind=kind, seconds=seconds, inner=value)
    return ToolOutcome(redact_data(value), ok=True, error_kind=None, seconds=seconds)
