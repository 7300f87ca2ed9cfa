"""``ponder eval`` through the real CLI: reports on disk and the exit codes CI gates on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PONDER = str(Path(sys.executable).with_name("ponder"))


def ponder(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160", "PYTHONUNBUFFERED": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run([PONDER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def write_suite(path: Path, expected: list[str], *, extra: str = "") -> Path:
    cases = "\n".join(f"  - {{id: c{i}, input: q{i}, expected: '{e}', tags: [t{i % 2}]}}" for i, e in enumerate(expected))
    path.write_text(f"name: demo\n{extra}cases:\n{cases}\n", encoding="utf-8")
    return path


def said(n: int) -> list[str]:
    return [f"You said: q{i}" for i in range(n)]


def test_a_passing_suite_exits_0_and_writes_every_report(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "s.yaml", said(3))
    out = ponder("eval", str(suite), "-m", "scripted:echo", "--json", "r.json", "--junit", "r.xml", "--markdown", "r.md", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "score 100% (3/3" in out.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["overall"]["passed"] == 3 and report["manifest"]["model"] == "scripted:echo"
    assert ET.fromstring((tmp_path / "r.xml").read_text()).find("testsuite").get("tests") == "3"  # type: ignore[union-attr]
    assert (tmp_path / "r.md").read_text().startswith("### ✅ Eval `demo`: 3/3 passed")
    assert len((tmp_path / ".ponder" / "evals" / "demo.jsonl").read_text().splitlines()) == 4


def test_below_min_score_exits_11(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "s.yaml", [*said(3), "nope"])
    out = ponder("eval", str(suite), "-m", "scripted:echo", "--min-score", "80%", cwd=tmp_path)
    assert out.returncode == 11, out.stderr
    assert "score 75.0% is below --min-score 80.0%" in out.stdout
    assert ponder("eval", str(suite), "-m", "scripted:echo", "--min-score", "0.75", cwd=tmp_path).returncode == 0


def test_errors_exit_10_and_win_over_a_low_score(tmp_path: Path) -> None:
    (tmp_path / "checks.py").write_text("def broken(ctx):\n    raise RuntimeError('grader bug')\n", encoding="utf-8")
    suite = tmp_path / "s.yaml"
    suite.write_text(
        textwrap.dedent(
            """
            cases:
              - {id: ok, input: q, expected: 'You said: q'}
              - {id: bad, input: q, expected: 'nope'}
              - {id: crash, input: q, graders: [{python: 'checks:broken'}]}
            """
        ),
        encoding="utf-8",
    )
    out = ponder("eval", str(suite), "-m", "scripted:echo", "--min-score", "0.9", "--json", "r.json", cwd=tmp_path)
    assert out.returncode == 10, out.stderr
    records = {r["case"]: r for r in json.loads((tmp_path / "r.json").read_text())["records"]}
    assert records["crash"]["status"] == "error" and "grader bug" in records["crash"]["grades"][0]["error"]
    assert records["bad"]["status"] == "fail"


def test_a_significant_regression_against_the_baseline_exits_12(tmp_path: Path) -> None:
    good = write_suite(tmp_path / "good.yaml", said(8))
    assert ponder("eval", str(good), "-m", "scripted:echo", "--json", "base.json", cwd=tmp_path).returncode == 0
    bad = write_suite(tmp_path / "bad.yaml", [*["wrong"] * 6, *said(8)[6:]])
    out = ponder("eval", str(bad), "-m", "scripted:echo", "--baseline", "base.json", "--markdown", "m.md", cwd=tmp_path)
    assert out.returncode == 12, out.stderr
    assert "significant regression: 100.0% -> 25.0%" in out.stdout
    assert "6 pass→fail" in (tmp_path / "m.md").read_text()
    allowed = ponder("eval", str(bad), "-m", "scripted:echo", "--baseline", "base.json", "--max-regression", "0.8", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stdout


def test_a_small_drop_is_not_a_regression(tmp_path: Path) -> None:
    good = write_suite(tmp_path / "good.yaml", said(8))
    ponder("eval", str(good), "-m", "scripted:echo", "--json", "base.json", cwd=tmp_path)
    worse = write_suite(tmp_path / "worse.yaml", ["wrong", "wrong", *said(8)[2:]])
    out = ponder("eval", str(worse), "-m", "scripted:echo", "--baseline", "base.json", cwd=tmp_path)
    assert out.returncode == 0, out.stdout  # 2 flips: p = 0.5, not significant


def test_compare_shows_flips_and_the_paired_test(tmp_path: Path) -> None:
    ponder("eval", str(write_suite(tmp_path / "a.yaml", said(6))), "-m", "scripted:echo", "--json", "a.json", cwd=tmp_path)
    ponder("eval", str(write_suite(tmp_path / "b.yaml", ["x"] * 6)), "-m", "scripted:echo", "--json", "b.json", cwd=tmp_path)
    out = ponder("eval", "compare", "a.json", "b.json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "score 100% → 0% (-100.0%) on 6 paired runs" in out.stdout
    assert "6 pass→fail, 0 fail→pass · McNemar p=0.0312 (significant at 0.05)" in out.stdout
    assert ponder("eval", "compare", "a.json", "b.json", "--max-regression", "0.1", cwd=tmp_path).returncode == 12


def test_resume_through_the_cli_skips_finished_runs(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "s.yaml", said(3))
    assert ponder("eval", str(suite), "-m", "scripted:echo", "-o", "log.jsonl", cwd=tmp_path).returncode == 0
    again = ponder("eval", str(suite), "-m", "scripted:echo", "-o", "log.jsonl", "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "resuming: 3 runs already done, 0 to go" in again.stderr
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 4


def test_a_bad_suite_exits_2_naming_the_line(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text("cases:\n  - id: a\n    input: q\n    graders: [{numerik: 3}]\n", encoding="utf-8")
    out = ponder("eval", str(suite), "-m", "scripted:echo", cwd=tmp_path)
    assert out.returncode == 2
    assert "s.yaml:4: cases[0].graders[0]: unknown grader 'numerik' (did you mean 'numeric'?)" in out.stderr


def test_schema_flag_prints_the_published_schema(tmp_path: Path) -> None:
    out = ponder("eval", "--schema", cwd=tmp_path)
    assert json.loads(out.stdout) == json.loads((REPO / "evals" / "schema.json").read_text())
