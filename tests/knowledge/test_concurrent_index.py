"""Two ``ponder index`` of the same base at once: neither crashes, the second waits, the index ends whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PONDER = [sys.executable, "-m", "ponder.cli.main"]


def test_two_index_runs_of_the_same_base_at_once_both_succeed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(200):
        (docs / f"page{i}.md").write_text(f"# Page {i}\n\nThe boiler {i} keeps {i}.5 bar. " * 10 + "\n")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    args = [*PONDER, "index", "docs", "--name", "kb"]
    runs = [subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outs
    stderr = "".join(err for _, err in outs)
    assert "Traceback" not in stderr
    summaries = sorted(out.split(":")[0] for out, _ in outs)
    assert summaries == ["indexed 'kb'", "up to date 'kb'"], "the second found the first's index up to date"
    assert "waiting for another `ponder index`" in stderr
    base = json.loads((tmp_path / ".ponder" / "index" / "kb" / "base.json").read_text())
    assert (base["files"], base["passages"]) == (200, 200)
    assert sorted(p.name for p in (tmp_path / ".ponder" / "index").iterdir()) == [".kb.lock", "kb"]
