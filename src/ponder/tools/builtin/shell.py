"""shell: run one shell command in the working directory (opt-in, and each command needs approval).

Runs ``/bin/sh -c COMMAND`` in its own process group with a timeout, a process-count limit and
capped output. It has the user's permissions: approval is the safeguard, the limits only
keep a runaway command from hanging the agent or flooding its context.
"""

from __future__ import annotations

from pathlib import Path

from ponder.tools.base import Tool
from ponder.tools.builtin._sandbox import Bounds, run_bounded
from ponder.tools.settings import ToolSettings


def shell_tools(settings: ToolSettings) -> list[Tool]:
    bounds = Bounds(timeout=settings.shell_timeout, output_bytes=settings.output_bytes, processes=256)

    def shell(command: str) -> str:
        """Run a shell command in the working directory and return its output (stdout, stderr, exit code).

        Args:
            command: the command line, run with /bin/sh -c
        """
        return run_bounded(["/bin/sh", "-c", command], bounds=bounds, cwd=Path.cwd()).report(bounds)

    return [Tool.from_function(shell, needs_approval=True, opt_in=True, timeout=settings.shell_timeout + 10)]
