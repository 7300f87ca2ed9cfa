"""Run one tool call within its time limit; every failure becomes an observation."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ponder import prompts
from ponder.errors import MistakeKind
from ponder.tools.base import Tool


@dataclass
class ToolOutcome:
    output: Any
    ok: bool
    error_kind: MistakeKind | None
    seconds: float


def run_tool(tool: Tool, arguments: dict[str, Any], timeout: float, prompts_dir: Path | None = None) -> ToolOutcome:
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
            prompts.render("tool_timeout", prompts_dir, name=tool.name, seconds=f"{timeout:g}"),
            ok=False,
            error_kind=MistakeKind.TIMEOUT,
            seconds=seconds,
        )
    if "error" in box:
        exc = box["error"]
        message = str(exc) or type(exc).__name__
        return ToolOutcome(
            prompts.render("tool_error", prompts_dir, name=tool.name, error=f"{type(exc).__name__}: {message}"),
            ok=False,
            error_kind=MistakeKind.TOOL_ERROR,
            seconds=seconds,
        )
    return ToolOutcome(box.get("value"), ok=True, error_kind=None, seconds=seconds)
