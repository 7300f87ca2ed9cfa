"""The viewer's figures: the HTML report's size for a 200-case eval, and how fast `ponder view` opens a long run.

    .venv/bin/python benchmarks/viewer.py
    .venv/bin/python benchmarks/viewer.py --cases 200 --events 1000 --no-browser

1. A 200-case eval (three steps each: a thought with two calculator calls, then the answer; one
   case in five fails; five tags), run by the real runner on a scripted model. The report's size,
   alone and with a baseline (both runs' trajectories embedded), raw and gzipped (as CI artefact
   stores compress), and the time to render it.
   When Debian's chromium and Playwright are installed, the time headless Chromium takes to open it.
2. A run of about 1,000 recorded events (the real loop on a scripted model calling a tool every
   step), served by the real `ponder view` (uvicorn, in a subprocess, on 127.0.0.1): the time to
   answer GET /runs/ID, first and median of 10, and, when Debian's chromium and Playwright are
   installed, the time headless Chromium takes to open the page (navigation to the load event).
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage

from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.backends.scripted import Reply, Scripted, ScriptedBackend
from ponder.evals.api import evaluate
from ponder.evals.grading import parse_grader
from ponder.evals.html_report import to_html
from ponder.evals.suite import Case, Suite
from ponder.runs import RunRecorder, load_run
from ponder.tools.builtin.calculator import calculator

THOUGHT = "I will work this out step by step with the calculator, checking each partial result before I answer. " * 2


def eval_model(*, fail_every: int) -> ScriptedBackend:
    def respond(messages: Sequence[ChatMessage]) -> Reply:
        results = [str(m.content) for m in messages if m.role.value == "tool"]
        i = int(str(next(m.content for m in messages if m.role.value == "user")).split()[2].rstrip(":"))
        if len(results) < 2:
            expression = f"{i} * 2" if not results else f"{i} * 2 + 1"
            return Scripted(text=THOUGHT, tool_calls=[("calculator", {"expression": expression})])
        answer = int(results[-1]) + (1 if fail_every and i % fail_every == 0 else 0)
        return f"The answer is {answer}."

    return ScriptedBackend(responder=respond)


def eval_suite(cases: int) -> Suite:
    graders = [parse_grader("numeric"), parse_grader({"tool_called": {"name": "calculator", "min": 2}})]
    return Suite(
        name="viewer-bench",
        cases=[Case(id=f"case-{i}", input=f"Compute case {i}: double it, add one.", expected=i * 2 + 1,
                    tags=[f"group-{i % 5}"], graders=graders) for i in range(cases)],
        tools=[calculator],
    )


def bench_report(cases: int, workdir: Path, *, browser: bool) -> None:
    suite = eval_suite(cases)
    baseline = evaluate(suite, model=eval_model(fail_every=0), cache_dir=None, out=workdir / "baseline.jsonl", concurrency=8)
    report = evaluate(suite, model=eval_model(fail_every=5), cache_dir=None, out=workdir / "current.jsonl", concurrency=8)
    started = time.perf_counter()
    alone = to_html(report).encode("utf-8")
    render = time.perf_counter() - started
    both = to_html(report, baseline=baseline).encode("utf-8")
    o = report.overall
    print(f"1. HTML report, {cases} cases ({o.passed} pass, {o.failed} fail, {o.errors} errors; 3 steps and 2 tool calls each):")
    print(f"   alone:         {len(alone) / 1024:,.0f} KB ({len(gzip.compress(alone)) / 1024:,.0f} KB gzipped), "
          f"{len(alone) / cases / 1024:.1f} KB per case; rendered in {render * 1000:.0f} ms")
    print(f"   with baseline: {len(both) / 1024:,.0f} KB ({len(gzip.compress(both)) / 1024:,.0f} KB gzipped)")
    if browser:
        page = workdir / "report.html"
        page.write_bytes(both)
        print(f"   headless Chromium, opening the file (with baseline) to its load event: {_open_in_chromium(page.as_uri(), workdir)}")


def long_run(directory: Path, events: int) -> Path:
    """The real loop, one calculator call per step, until the record holds about ``events`` lines."""
    steps = max(1, (events - 3) // 6)  # per step: StepStarted, TextDelta, UsageEvent, Thought, ToolCallStarted, ToolResult

    def respond(messages: Sequence[ChatMessage]) -> Reply:
        done = sum(1 for m in messages if m.role.value == "tool")
        if done >= steps - 1:
            return "All partial sums are done; the total is in the last result."
        return Scripted(text=f"Step {done + 1}: adding the next term.", tool_calls=[("calculator", {"expression": f"{done} + 1"})])

    agent = Agent(ScriptedBackend(responder=respond), tools=[calculator], limits=Limits(max_steps=steps + 2, max_repeats=steps + 2))
    recorder = RunRecorder(directory, redact=lambda text: text)
    with recorder:
        for event in agent.stream("Add the numbers one by one."):
            recorder(event)
    assert recorder.path is not None
    return recorder.path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_view(events: int, workdir: Path, *, browser: bool) -> None:
    import httpx

    path = long_run(workdir / ".ponder" / "runs", events)
    record = load_run(path)
    print(f"2. ponder view, a run of {len(record.lines)} recorded events ({path.stat().st_size / 1024:,.0f} KB record):")
    port = free_port()
    ponder = str(Path(sys.executable).with_name("ponder"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    server = subprocess.Popen([ponder, "view", str(workdir), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert server.stdout is not None
        server.stdout.readline()
        url = f"http://127.0.0.1:{port}/runs/{path.stem}"
        with httpx.Client(timeout=60) as client:
            first = time.perf_counter()
            response = client.get(url)
            answered = time.perf_counter()
            response.raise_for_status()
            warm = []
            for _ in range(10):
                t = time.perf_counter()
                client.get(url).raise_for_status()
                warm.append(time.perf_counter() - t)
        print(f"   server start to first page: {answered - started:.2f} s; GET /runs/ID first {(answered - first) * 1000:.0f} ms, "
              f"median of 10 {statistics.median(warm) * 1000:.0f} ms; page {len(response.content) / 1024:,.0f} KB")
        if browser:
            print(f"   headless Chromium, navigation to load: {_open_in_chromium(url, workdir)}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _open_in_chromium(url: str, workdir: Path) -> str:
    chromium = "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "skipped (pip install playwright)"
    if not Path(chromium).is_file():
        return "skipped (apt-get install chromium)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(tempfile.mkdtemp(dir=workdir), executable_path=chromium, args=flags, headless=True)
        page = context.new_page()
        times = []
        for _ in range(3):
            t = time.perf_counter()
            page.goto(url, wait_until="load")
            times.append(time.perf_counter() - t)
        context.close()
    return f"first {times[0] * 1000:.0f} ms, then {statistics.median(times[1:]) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench_report(args.cases, workdir, browser=not args.no_browser)
        bench_view(args.events, workdir, browser=not args.no_browser)


if __name__ == "__main__":
    main()
