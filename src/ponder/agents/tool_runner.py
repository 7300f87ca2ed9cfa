"""Run one tool call within its time limit; every failure becomes an observation.

What a tool returns comes from outside (a web page, a program's output, a server): secrets in
it are redacted (``ponder.redact``) before the model, the user or a record sees it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from ponder.redact import redact, redact_data
from ponder.tools.base import Tool


@dataclass
class ToolOutcome:
    output: Any
    ok: bool
    error_kind: str | None
    seconds: float


def run_tool(tool: Tool, arguments: dict[str, Any], timeout: float) -> ToolOutcome:
    """Call ``tool`` in a worker thread; give up waiting after ``timeout`` seconds.

    A thread cannot be killed, so a tool that hangs keeps running in the background (daemon
    thread); tools that may hang for real (``python``, ``shell``) run in subprocesses they kill.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = tool.invoke(arguments)
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
        message = redact(str(exc)) or type(exc).__name__
        return ToolOutcome(
            f"Error from {tool.name}: {type(exc).__name__}: {message}. Check the arguments or try another approach.",
            ok=False,
            error_kind="tool_error",
            seconds=seconds,
        )
    return ToolOutcome(redact_data(box.get("value")), ok=True, error_kind=None, seconds=seconds)
