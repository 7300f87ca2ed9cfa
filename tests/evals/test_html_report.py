"""``--html``: one self-contained file with the score, tags, plots, every case and its trajectory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from ponder.evals.compare import compare
from ponder.evals.html_report import script_json, to_html
from ponder.evals.report import load_report
from tests.evals.report_helpers import SUITE, write_logs

PONDER = str(Path(sys.executable).with_name("ponder"))


def embedded(page: str) -> dict:  # type: ignore[type-arg]
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.DOTALL)
    assert match, "the page embeds its records"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_the_page_loads_nothing_from_the_network(tmp_path: Path) -> None:
    _, current = write_logs(tmp_path)
    page = to_html(load_report(current))
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "<script src" not in page and 'rel="stylesheet"' not in page
    assert "default-src 'none'" in page  # the browser is told to fetch nothing


def test_the_page_shows_the_score_with_its_interval_and_every_tag(tmp_path: Path) -> None:
    _, current = write_logs(tmp_path)
    page = to_html(load_report(current))
    assert '<span class="big" id="score">66.7%</span>' in page
    assert "2/3 passed · 95% CI 21%–94%" in page
    for tag in ("math", "tools", "talk"):
        assert f"<td>{tag}</td>" in page
    assert page.count('aria-label="pass rate per tag"') == 1 and page.count('aria-label="seconds per case"') == 1


def test_the_records_are_embedded_with_their_trajectories_and_reasons(tmp_path: Path) -> None:
    _, current = write_logs(tmp_path)
    data = embedded(to_html(load_report(current)))
    divide = next(r for r in data["records"] if r["key"] == "divide#0")
    assert divide["tool_calls"][0]["arguments"] == {"expression": "84*2"}
    assert divide["step_records"][0]["text"] == "I will divide with the calculator."
    assert "numeric: expected 42" in divide["reason"]
    assert data["baseline"] is None


def test_a_baseline_adds_the_flips_and_the_paired_test(tmp_path: Path) -> None:
    baseline, current = write_logs(tmp_path)
    a, b = load_report(baseline), load_report(current)
    page = to_html(b, baseline=a, comparison=compare(a, b))
    data = embedded(page)
    assert data["baseline"]["pass_to_fail"] == ["divide#0"]
    assert data["baseline"]["records"]["divide#0"]["status"] == "pass"
    assert "score 100.0% → 66.7% (-33.3%) on 3 paired runs" in page
    assert "Paired test (exact McNemar): p = 1 at α = 0.05: <strong>no significant change</strong>" in page


def test_text_from_the_model_cannot_end_the_embedded_script() -> None:
    hostile = {"answer": "</script><script>alert(1)</script><!--"}
    text = script_json(hostile)
    assert "</script" not in text.lower() and "<!--" not in text
    assert json.loads(text) == hostile


def _ponder(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run([PONDER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_ponder_eval_html_writes_the_report(tmp_path: Path) -> None:
    (tmp_path / "suite.yaml").write_text(SUITE)
    script = [
        {"tool_calls": [{"name": "calculator", "arguments": {"expression": "12*3"}}]}, "The answer is 36.",
        {"tool_calls": [{"name": "calculator", "arguments": {"expression": "84*2"}}]}, "The answer is 168.",
        "hello there",
    ]
    (tmp_path / "script.json").write_text(json.dumps(script))
    out = _ponder("eval", "suite.yaml", "-m", "scripted:script.json", "-j", "1", "--no-cache", "--html", "out/report.html", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = embedded((tmp_path / "out" / "report.html").read_text())
    assert {r["key"]: r["status"] for r in data["records"]} == {"multiply#0": "pass", "divide#0": "fail", "greet#0": "pass"}


def test_ponder_eval_compare_html_writes_the_side_by_side_report(tmp_path: Path) -> None:
    baseline, current = write_logs(tmp_path)
    out = _ponder("eval", "compare", str(baseline), str(current), "--html", "cmp.html", "-q", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "cmp.html").read_text()
    assert embedded(page)["baseline"]["pass_to_fail"] == ["divide#0"]
    assert 'id="tab-compare"' in page


def test_an_empty_run_still_renders() -> None:
    from ponder.evals.report import build_report

    page = to_html(build_report({}, []))
    assert "No case has tags." in page and "No runs." in page
    assert embedded(page)["records"] == []
