"""shell: opt-in, needs approval, bounded in time and output."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ponder.tools.builtin.shell import shell_tools
from ponder.tools.settings import ToolSettings


def test_is_opt_in_and_needs_approval() -> None:
    shell = shell_tools(ToolSettings())[0]
    assert shell.opt_in and shell.needs_approval


def test_runs_in_the_working_directory_and_reports_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("x")
    if os.geteuid() == 0:  # sandboxed commands of a root Ponder run as nobody
        tmp_path.chmod(0o755)
    shell = shell_tools(ToolSettings())[0]
    assert shell.invoke({"command": "ls"}) == "a.txt"
    out = shell.invoke({"command": "echo oops >&2; exit 3"})
    assert out == "Exit code 3.\nstdout:\n(empty)\nstderr:\noops"


def test_a_slow_command_and_its_children_are_killed_at_the_time_limit() -> None:
    shell = shell_tools(ToolSettings(shell_timeout=1))[0]
    started = time.perf_counter()
    out = shell.invoke({"command": "sleep 30 & sleep 30"})
    assert time.perf_counter() - started < 5
    assert out.startswith("Killed: still running after 1s (time limit).")


def test_huge_output_is_cut() -> None:
    shell = shell_tools(ToolSettings(output_bytes=100))[0]
    out = shell.invoke({"command": "yes | head -c 1000000"})
    assert "more bytes of stdout cut" in out
    assert len(out) < 400
