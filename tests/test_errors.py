"""Only ``PonderError``s leave the library: a bug in Ponder is an ``InternalError`` that says so."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from ponder import Agent
from ponder.backends.base import ModelReply, ModelRequest
from ponder.backends.scripted import ScriptedBackend
from ponder.errors import InternalError, PonderError


class BuggyBackend(ScriptedBackend):
    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        yield "partial"
        raise KeyError("a bug")


def test_a_bug_inside_a_run_is_an_internal_error_naming_itself_and_where() -> None:
    with pytest.raises(InternalError) as caught:
        Agent(BuggyBackend()).run("hi")
    error = caught.value
    assert isinstance(error, PonderError)
    assert "internal error (a bug in Ponder)" in error.message and "KeyError" in error.message
    assert "test_errors.py" in error.message, "it says where"
    assert "report" in error.fix and "PONDER_DEBUG=1" in error.fix
    assert isinstance(error.__cause__, KeyError)
    assert error.result.stop_reason.value == "error"  # type: ignore[attr-defined]


def test_the_cli_prints_a_bug_in_one_line_and_exits_70() -> None:
    code = (
        "import ponder.cli.run as run\n"
        "run.handle = lambda args: 1 / 0\n"
        "from ponder.cli.main import main\n"
        "raise SystemExit(main(['run', 'hi']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 70
    assert out.stderr.startswith("error: internal error (a bug in Ponder) while running `ponder run`: ZeroDivisionError")
    assert "Traceback" not in out.stderr and "fix: please report it" in out.stderr


def test_ponder_debug_shows_the_traceback_for_a_report() -> None:
    code = "import ponder.cli.run as run\nrun.handle = lambda args: 1 / 0\nfrom ponder.cli.main import main\nraise SystemExit(main(['run', 'hi']))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "PONDER_DEBUG": "1"})
    assert "Traceback" in out.stderr and "ZeroDivisionError" in out.stderr
