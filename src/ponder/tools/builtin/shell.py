"""shell: run one shell command in the working directory (opt-in, and each command needs approval).

Runs ``/bin/sh -c COMMAND`` in the bubblewrap sandbox (``_isolation``): the working directory
is the one folder it sees and may change, with read-only system folders, no environment of
ours, no other files, no network unless allowed. When Ponder runs as root the command runs as
``nobody``, so it can change only what ``nobody`` may. A timeout, a process-count limit and
capped output keep a runaway command from hanging the agent or flooding its context.
"""

from __future__ import annotations

from pathlib import Path

from ponder.tools.base import Tool
from ponder.tools.builtin._isolation import Jail, SandboxUnavailable, sandbox_env
from ponder.tools.builtin._sandbox import Bounds, run_bounded
from ponder.tools.settings import SANDBOX_ENV, ToolSettings


def shell_tools(settings: ToolSettings) -> list[Tool]:
    bounds = Bounds(timeout=settings.shell_timeout, output_bytes=settings.output_bytes, processes=256)

    def shell(command: str) -> str:
        """Run a shell command in the working directory and return its output (stdout, stderr, exit code).

        Args:
            command: the command line, run with /bin/sh -c
        """
        here = Path.cwd().resolve()
        argv = ["/bin/sh", "-c", command]
        if not settings.sandbox:  # PONDER_SANDBOX=off: the user's own permissions and environment
            return run_bounded(argv, bounds=bounds, cwd=here).report(bounds)
        if here == Path("/"):
            raise SandboxUnavailable(
                "the shell tool will not run with / as its working folder: the sandbox would show the whole disk",
                fix=f"start Ponder in a project folder, or set {SANDBOX_ENV}=off",
            )
        jail = Jail(
            workdir=here,
            network=settings.sandbox_network,
            disk_mb=settings.sandbox_disk_mb,
            env=sandbox_env(Path("/tmp")),
        )
        return run_bounded(argv, bounds=bounds, cwd=here, jail=jail).report(bounds)

    return [Tool.from_function(shell, needs_approval=True, opt_in=True, timeout=settings.shell_timeout + 10)]
