"""The viewer's pages over HTTP (Starlette's test client): index, a run, an eval, a comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from ponder.viewer.app import create_app  # noqa: E402
from tests.evals.report_helpers import write_logs  # noqa: E402
from tests.runs.run_helpers import record_run  # noqa: E402


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_logs(tmp_path)
    record_run(tmp_path / ".ponder" / "runs", "an older task")
    record_run(tmp_path / ".ponder" / "runs", "What is 17*23?")
    return tmp_path


def client(root: Path) -> TestClient:
    return TestClient(create_app(root), base_url="http://127.0.0.1:8765")


def test_the_index_lists_eval_runs_and_runs_newest_first(project: Path) -> None:
    page = client(project).get("/").text
    assert page.index("demo.jsonl") < page.index("demo-baseline.jsonl")
    assert page.index("What is 17*23?") < page.index("an older task")
    assert "67% (2/3)" in page and "100% (3/3)" in page


def test_a_run_page_shows_its_timeline_and_tool_call(project: Path) -> None:
    run_id = sorted(p.stem for p in (project / ".ponder" / "runs").glob("*.jsonl"))[-1]
    response = client(project).get(f"/runs/{run_id}")
    assert response.status_code == 200
    assert 'aria-label="timeline"' in response.text
    assert "→ calculator({&quot;expression&quot;: &quot;17*23&quot;})" in response.text
    assert '<pre id="answer">17*23 is 391.</pre>' in response.text


def test_an_eval_page_is_the_html_report(project: Path) -> None:
    page = client(project).get("/evals/demo").text
    assert 'id="report-data"' in page and "divide#0" in page
    assert '<a href="/">← all runs and evals</a>' in page


def test_a_comparison_opens_on_the_baseline_tab(project: Path) -> None:
    page = client(project).get("/compare", params={"a": "demo-baseline", "b": "demo"}).text
    assert '<body data-tab="compare">' in page
    assert "score 100.0% → 66.7%" in page


@pytest.mark.parametrize("path", ["/runs/nope", "/runs/..%2F..%2Fetc%2Fpasswd", "/evals/nope", "/compare?a=demo&b=../../x"])
def test_unknown_or_outside_records_are_404(project: Path, path: str) -> None:
    assert client(project).get(path).status_code == 404


def test_requests_for_another_host_name_are_refused(project: Path) -> None:
    response = TestClient(create_app(project), base_url="http://attacker.example").get("/")
    assert response.status_code == 400


def test_an_empty_project_says_how_to_get_records(tmp_path: Path) -> None:
    page = client(tmp_path).get("/").text
    assert "ponder eval evals/smoke.yaml" in page and "No run records" in page
