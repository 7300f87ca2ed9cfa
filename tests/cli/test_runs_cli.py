"""`ponder runs` and `ponder runs show ID` through the real console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.runs.run_helpers import record_run

PONDER = str(Path(sys.executable).with_name("ponder"))


def ponder(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PONDER, *args], cwd=cwd, env={**os.environ, "COLUMNS": "160"}, capture_output=True, text=True, timeout=120)


def test_runs_lists_the_recorded_runs_newest_first(tmp_path: Path) -> None:
    runs = tmp_path / ".ponder" / "runs"
    first = record_run(runs, "first task")
    second = record_run(runs, "second task")
    out = ponder("runs", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.index(second.stem) < out.stdout.index(first.stem)
    row = next(line for line in out.stdout.splitlines() if second.stem in line)
    assert "second task" in row and "answer" in row and "scripted:script" in row


def test_runs_with_nothing_recorded_says_where_runs_go(tmp_path: Path) -> None:
    out = ponder("runs", cwd=tmp_path)
    assert out.returncode == 0
    assert "no runs recorded in .ponder/runs yet" in out.stderr


def test_runs_show_prints_each_step_once_and_the_answer(tmp_path: Path) -> None:
    path = record_run(tmp_path / ".ponder" / "runs")
    out = ponder("runs", "show", path.stem[-6:], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"run {path.stem}" in out.stdout
    assert "thought Let me compute." in out.stdout
    assert '→ calculator {"expression": "17*23"}' in out.stdout
    assert "✓ 391" in out.stdout
    assert out.stdout.count("17*23 is 391.") == 1 and "answer 17*23 is 391." in out.stdout
    assert "```" not in out.stdout


def test_runs_show_of_a_run_cut_short_says_where_it_ends(tmp_path: Path) -> None:
    path = record_run(tmp_path / ".ponder" / "runs")
    text = path.read_text()
    path.write_text(text[: text.index('{"type": "StepStarted", "t": ', text.index("ToolResult"))])
    out = ponder("runs", "show", path.stem, cwd=tmp_path)
    assert out.returncode == 1
    assert "✓ 391" in out.stdout
    assert "the record ends here: the process stopped before the run finished" in out.stdout


def test_runs_show_of_an_unknown_id_exits_2_with_the_fix(tmp_path: Path) -> None:
    record_run(tmp_path / ".ponder" / "runs")
    out = ponder("runs", "show", "nope", cwd=tmp_path)
    assert out.returncode == 2
    assert "error: no run 'nope'" in out.stderr and "fix: `ponder runs` lists" in out.stderr
