"""`ponder view` for real: the server on 127.0.0.1 on a free port, driven in headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium
from tests.evals.report_helpers import write_logs
from tests.runs.run_helpers import record_run

PONDER = str(Path(sys.executable).with_name("ponder"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    pytest.importorskip("uvicorn")
    project = tmp_path / "project"
    project.mkdir()
    write_logs(project)
    record_run(project / ".ponder" / "runs")
    port = free_port()
    proc = subprocess.Popen([PONDER, "view", str(project), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"ponder view: http://127.0.0.1:{port}/"), (line, proc.stderr.read() if proc.poll() is not None else "")
        deadline = time.monotonic() + 20
        while True:  # listening from the start; wait until the app answers
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_open_a_run_from_the_index_and_read_its_timeline(served: str, tmp_path: Path) -> None:
    with chromium(tmp_path) as b:
        page = b.page
        page.goto(served + "/")
        page.click("#runs tbody tr:first-child a")
        page.wait_for_selector('svg[aria-label="timeline"]')
        assert page.locator('svg[aria-label="timeline"] rect.span.tool').count() == 1
        assert '→ calculator({"expression": "17*23"})' in page.inner_text("main")
        page.click('svg[aria-label="timeline"] a[href="#step-2"]')
        assert page.evaluate("location.hash") == "#step-2"
        page.screenshot(path=str(tmp_path / "view-run.png"), full_page=True)
        assert b.errors == []
        assert b.remote_requests(allowed=served) == []


def test_compare_two_eval_runs_side_by_side_and_open_the_failing_case(served: str, tmp_path: Path) -> None:
    with chromium(tmp_path) as b:
        page = b.page
        page.goto(served + "/")
        assert page.input_value("#compare-a") == "demo-baseline" and page.input_value("#compare-b") == "demo"
        page.click("#compare-go")
        page.wait_for_selector("#panel-compare.active")
        assert "1 pass → fail" in page.inner_text("#compare-score")
        page.click('#flips-body tr.case[data-key="divide#0"]')
        assert page.locator("#flips-body .side > div").count() == 2
        page.click("#tab-cases")
        page.click('#status-filters [data-status="fail"]')
        assert page.eval_on_selector_all("#cases-body tr.case", "rows => rows.map(r => r.dataset.key)") == ["divide#0"]
        assert '→ calculator({"expression":"84*2"})' in page.inner_text("#cases-body td.detail")
        page.screenshot(path=str(tmp_path / "view-compare.png"), full_page=True)
        assert b.errors == []
        assert b.remote_requests(allowed=served) == []
