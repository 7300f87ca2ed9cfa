"""The eval runner's throughput, cache and crash safety, with a scripted model that sleeps 100 ms a call.

    .venv/bin/python benchmarks/eval_runner.py            # all three figures
    .venv/bin/python benchmarks/eval_runner.py --cases 200 --concurrency 32 --delay 0.1

1. 200 cases × 3 model calls each (two calculator calls, then the answer), 32 at a time: wall
   time against the ideal critical path, ceil(cases / concurrency) × 3 × delay (target ≤ 1.25×).
   One untimed single-case run first pays the process's one-time imports.
2. The same run again from the cache: wall time as a share of the first (target ≤ 5%); also
   the figure with whole-run replay off (every loop and tool re-run, model replies from the cache).
3. Resume after ``kill -9``: the real CLI runs in a subprocess, is SIGKILLed halfway through,
   then resumed with ``--resume``; every case must be in the log exactly once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage

from ponder.backends.scripted import Reply, Scripted, ScriptedBackend
from ponder.evals.api import evaluate
from ponder.evals.grading import parse_grader
from ponder.evals.sources import register_suite_source
from ponder.evals.suite import Case, Suite
from ponder.tools.builtin.calculator import calculator

STEPS = 3


def three_step_model(delay: float) -> ScriptedBackend:
    """Step 1: calculator(i*2); step 2: calculator(i*2+1); step 3: the answer. Every call sleeps ``delay``."""

    def respond(messages: Sequence[ChatMessage]) -> Reply:
        results = [str(m.content) for m in messages if m.role.value == "tool"]
        task = str(next(m.content for m in messages if m.role.value == "user"))
        i = int(task.split()[2])
        if not results:
            return Scripted(tool_calls=[("calculator", {"expression": f"{i} * 2"})], delay=delay)
        if len(results) == 1:
            return Scripted(tool_calls=[("calculator", {"expression": f"{i} * 2 + 1"})], delay=delay)
        return Scripted(text=f"The answer is {results[-1]}.", delay=delay)

    return ScriptedBackend(responder=respond)


def bench_suite(cases: int, delay: float) -> Suite:
    graders = [parse_grader("numeric"), parse_grader({"tool_called": {"name": "calculator", "min": 2}})]
    return Suite(
        name=f"bench-{cases}",
        cases=[Case(id=f"case{i:04d}", input=f"Compute case {i} twice.", expected=i * 2 + 1, graders=graders) for i in range(cases)],
        tools=[calculator],
        backend=three_step_model(delay),
        source=f"bench:{cases}",
    )


def timed_run(suite: Suite, cache: Path, concurrency: int, *, replay_runs: bool = True) -> tuple[float, int]:
    started = time.perf_counter()
    report = evaluate(suite, concurrency=concurrency, cache_dir=cache, replay_runs=replay_runs)
    elapsed = time.perf_counter() - started
    assert report.overall.passed == len(suite.cases), report.overall
    return elapsed, report.overall.passed


def throughput_and_cache(cases: int, concurrency: int, delay: float) -> None:
    ideal = math.ceil(cases / concurrency) * STEPS * delay
    with tempfile.TemporaryDirectory() as tmp:
        # untimed: the first agent run of a process imports the loop's modules (LlamaIndex memory...)
        timed_run(bench_suite(1, 0.0), Path(tmp) / "warmup", 1)
        cache = Path(tmp) / "cache"
        first, passed = timed_run(bench_suite(cases, delay), cache, concurrency)
        print(f"1. {cases} cases x {STEPS} steps, {delay * 1000:.0f} ms per call, concurrency {concurrency}: "
              f"{first:.2f}s wall, ideal {ideal:.2f}s, ratio {first / ideal:.3f} (target <= 1.25); {passed} passed")
        again, _ = timed_run(bench_suite(cases, delay), cache, concurrency)
        print(f"2. the same run from the cache: {again:.3f}s, {again / first:.1%} of the first (target <= 5%)")
        loops, _ = timed_run(bench_suite(cases, delay), cache, concurrency, replay_runs=False)
        print(f"   with whole-run replay off (loops and tools re-run, replies from the cache): {loops:.3f}s, {loops / first:.1%}")


def case_lines(log: Path) -> list[dict[str, object]]:
    rows = []
    for line in log.read_bytes().splitlines(keepends=True):
        if not line.endswith(b"\n"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if data.get("type") == "case":
            rows.append(data)
    return rows


def resume_after_kill(cases: int, concurrency: int, delay: float) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "run.jsonl"
        argv = [sys.executable, __file__, "--child", "eval", f"bench:{cases}", "-o", str(log), "--no-cache",
                "-j", str(concurrency), "--no-progress", "-q"]
        child = subprocess.Popen(argv, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while child.poll() is None and (not log.exists() or len(case_lines(log)) < cases // 2):
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        raw = log.read_bytes()
        before = len(case_lines(log))
        torn = not raw.endswith(b"\n")
        resumed = subprocess.run([*argv, "--resume"], cwd=tmp, capture_output=True, text=True, timeout=600)
        rows = case_lines(log)
        counts = Counter(str(r["key"]) for r in rows)
        expected = {f"case{i:04d}#0" for i in range(cases)}
        lost = expected - set(counts)
        duplicated = [k for k, n in counts.items() if n > 1]
        every_line_valid = all(line.endswith(b"\n") for line in log.read_bytes().splitlines(keepends=True))
        ok = resumed.returncode == 0 and not lost and not duplicated and every_line_valid and len(rows) == cases
        print(f"3. kill -9 after {before} of {cases} cases were logged (last line torn: {torn}); "
              f"--resume ran {len(rows) - before}; in the log: {len(counts)} distinct, {len(lost)} lost, "
              f"{len(duplicated)} duplicated; exit {resumed.returncode}: {'OK' if ok else 'FAILED'}")
        if resumed.returncode != 0:
            print(resumed.stderr[-2000:])
        return ok


def child(argv: list[str]) -> int:
    """Runs the real CLI with the benchmark's suite source registered (``bench:<cases>``)."""
    from ponder.cli.main import main

    delay = float(os.environ.get("BENCH_DELAY", "0.1"))
    register_suite_source("bench", lambda name: bench_suite(int(name), delay))
    return main(argv)


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.1)
    args = parser.parse_args()
    os.environ["BENCH_DELAY"] = str(args.delay)
    throughput_and_cache(args.cases, args.concurrency, args.delay)
    return 0 if resume_after_kill(args.cases, args.concurrency, args.delay) else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        raise SystemExit(child(sys.argv[2:]))
    raise SystemExit(run())
