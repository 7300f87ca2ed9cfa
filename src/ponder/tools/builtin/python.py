"""python: run a Python program in a sandboxed, limited process (opt-in, needs approval).

The program runs with ``python -I`` in the bubblewrap sandbox (``_isolation``): a fresh
in-memory folder that is gone afterwards, no environment of ours, no other files, no network
unless allowed, as an unprivileged user; plus a wall-clock timeout, CPU, memory and
process-count limits, and capped output. Like a REPL, the value of a final bare expression is printed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ponder.tools.base import Tool
from ponder.tools.builtin._isolation import Jail, sandbox_env
from ponder.tools.builtin._sandbox import Bounds, run_bounded
from ponder.tools.settings import ToolSettings

# Runs the program; prints the value of a final expression the way the interactive prompt does.
_RUNNER = """\
import ast, sys
source = open("main.py", encoding="utf-8").read()
tree = ast.parse(source, "main.py")
last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
namespace = {"__name__": "__main__"}
exec(compile(tree, "main.py", "exec"), namespace)
if last is not None:
    value = eval(compile(ast.Expression(last.value), "main.py", "eval"), namespace)
    if value is not None:
        print(repr(value))
"""


def python_tools(settings: ToolSettings) -> list[Tool]:
    bounds = Bounds(
        timeout=settings.python_timeout,
        output_bytes=settings.output_bytes,
        memory_mb=settings.python_memory_mb,
        # One second above the wall-clock limit: the timeout fires first, the CPU limit is a backstop.
        cpu_seconds=int(settings.python_timeout) + 1,
        processes=settings.python_processes,
    )

    def python(code: str) -> str:
        """Run a Python program in a separate process and return its output (stdout, stderr, exit code).

        Args:
            code: a complete Python program; print() what you need to see (a final bare expression is printed too)
        """
        with tempfile.TemporaryDirectory(prefix="ponder-python-") as tmp:
            folder, program = Path(tmp), Path(tmp, "main.py")
            program.write_text(code, encoding="utf-8")
            argv = [sys.executable, "-I", "-c", _RUNNER]
            if settings.sandbox:
                jail = Jail(
                    workdir=folder,
                    scratch=True,
                    files=((program, program),),
                    network=settings.sandbox_network,
                    disk_mb=settings.sandbox_disk_mb,
                    env=sandbox_env(folder),
                )
                finished = run_bounded(argv, bounds=bounds, cwd=folder, jail=jail)
            else:  # PONDER_SANDBOX=off: only the limits and a minimal environment
                env = {**sandbox_env(folder), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": tmp}
                finished = run_bounded(argv, bounds=bounds, cwd=folder, env=env)
        return _tidy(finished.report(bounds))

    # The loop's own timeout must outlast ours, so the child is killed and reported, not abandoned.
    return [Tool.from_function(python, needs_approval=True, opt_in=True, timeout=settings.python_timeout + 10)]


def _tidy(report: str) -> str:
    """Drop the runner's own frames from tracebacks: the model should see only its program's lines."""
    lines = report.splitlines()
    kept = [ln for i, ln in enumerate(lines) if not _runner_frame(lines, i)]
    return "\n".join(kept)


def _runner_frame(lines: list[str], i: int) -> bool:
    line = lines[i]
    if line.startswith('  File "<string>"'):
        return True
    return i > 0 and lines[i - 1].startswith('  File "<string>"') and line.startswith("    ")
