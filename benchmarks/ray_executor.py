"""The Ray executor against the local one: wall time, Ray's overhead per case, the driver's write rate.

    .venv/bin/python benchmarks/ray_executor.py                       # 400 cases x 3 steps, 200 ms a call
    .venv/bin/python benchmarks/ray_executor.py --cases 100 --actors 1,2

Every run is the same suite: 400 cases of "What is A * B + C?", each three model calls of a
scripted model that sleeps 200 ms a call (``scripted:ponder.testing.responders:multiply_add``:
two calculator calls, then the answer), graded; a fresh cache each run, so nothing is replayed.

1. Same slots: the local executor with 4 threads, and Ray with 1, 2 and 4 actors sharing 4 slots
   (1 x 4, 2 x 2, 4 x 1). Equal parallelism, so the difference is Ray's cost. Ray's startup (a
   local Ray instance, the actors importing Ponder) is timed apart from the run.
2. Scale-out: Ray with 1, 2 and 4 actors of 4 slots each (4, 8, 16 cases at a time).
3. Overhead per case: for every case, the driver's time from dispatch to record minus the
   agent's own run time (``record.seconds``); its mean for Ray minus its mean for local threads
   is Ray's overhead per case (target: under 20 ms). With Ray, the driver's CPU time per case
   (its bookkeeping: dispatch, results, writes) bounds how many cases one driver can take.
4. The driver's write rate: what the one writer can absorb, in cases per second, writing each
   case's record to the JSONL log and its four cache rows (three replies and the whole run) to
   sqlite, as it does for results from actors.
5. The cache reader's rate: actors read the driver's cache through one small actor on the
   driver's node; reads per second it answers with 64 reads in flight (every model call of every
   actor is one read).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ponder.evals.api import evaluate
from ponder.evals.cache import CacheStore
from ponder.evals.executors.base import Executor
from ponder.evals.loading import parse_suite
from ponder.evals.records import CaseRecord, ResultsLog
from ponder.evals.report import Report
from ponder.evals.runner import JobFinished, JobStarted, RunnerEvent, RunPlanned
from ponder.evals.suite import Suite

SLOTS = 4


def bench_suite(cases: int, delay: float) -> Suite:
    lines = [
        "name: ray-bench",
        f"model: 'scripted:ponder.testing.responders:multiply_add?delay={delay:g}'",
        "tools: [calculator]",
        "cases:",
    ]
    for i in range(cases):
        a, b, c = i % 97 + 2, i % 89 + 3, i
        lines.append(f"  - {{id: c{i:05d}, input: 'What is {a} * {b} + {c}?', expected: {a * b + c}, graders: [numeric]}}")
    return parse_suite("\n".join(lines) + "\n", source="ray-bench.yaml")


@dataclass
class Timing:
    label: str
    slots: int
    startup: float
    """Seconds before the first case was dispatched (joining or starting Ray, starting the actors)."""
    run: float
    """Seconds from the first dispatch to the last record."""
    teardown: float
    """Seconds from the last record until ``evaluate`` returned (stopping the actors and Ray)."""
    overheads: list[float]
    passed: int
    cases: int
    driver_cpu: float
    """CPU seconds of this process per case during the run: with Ray, the driver's bookkeeping alone."""

    @property
    def mean_overhead_ms(self) -> float:
        return 1000 * statistics.fmean(self.overheads)

    def row(self) -> str:
        p95 = 1000 * statistics.quantiles(self.overheads, n=20)[18]
        cpu = "-" if self.label == "local" else f"{1000 * self.driver_cpu:.2f}"  # local: the agents' work too
        return (f"{self.label:<24} {self.slots:>5} {self.startup:>9.1f} {self.run:>8.1f} {self.teardown:>6.1f}"
                f" {self.mean_overhead_ms:>10.1f} {p95:>8.1f} {self.passed:>5}/{self.cases} {cpu:>8}")  # fmt: skip


def measure(label: str, suite: Suite, slots: int, executor: Executor | None, workdir: Path) -> Timing:
    started_at: dict[str, float] = {}
    latency: dict[str, float] = {}
    marks: dict[str, float] = {}

    def on_event(event: RunnerEvent) -> None:
        now = time.perf_counter()
        if isinstance(event, RunPlanned):
            marks.setdefault("planned", now)
        elif isinstance(event, JobStarted):
            if "first" not in marks:
                marks["first"], marks["cpu_first"] = now, time.process_time()
            started_at[event.key] = now
        elif isinstance(event, JobFinished):
            marks["last"], marks["cpu_last"] = now, time.process_time()
            if event.record.key in started_at:
                latency[event.record.key] = now - started_at[event.record.key]

    began = time.perf_counter()
    report: Report = evaluate(
        suite, cache_dir=workdir / f"cache-{label}", concurrency=slots, executor=executor, on_event=on_event,
        out=workdir / f"{label}.jsonl",
    )  # fmt: skip
    ended = time.perf_counter()
    records = {r.key: r for r in report.records}
    overheads = [latency[k] - records[k].seconds for k in latency]
    first, last = marks.get("first", ended), marks.get("last", ended)
    passed = sum(r.status == "pass" for r in report.records)
    cpu = (marks.get("cpu_last", 0.0) - marks.get("cpu_first", 0.0)) / max(1, len(latency))
    return Timing(label, slots, first - began, last - first, ended - last, overheads, passed, len(report.records), cpu)


def ray_executor(actors: int, per_actor: int) -> Executor:
    from ponder.evals.executors.ray import RayExecutor

    return RayExecutor(actors=actors, concurrency=per_actor, num_cpus=1)


def driver_write_rate(records: list[CaseRecord], cache_rows: list[tuple[str, str]], runs: list[str], workdir: Path, cases: int) -> float:
    """Cases per second the driver can write: one log line and four cache rows a case."""
    log = ResultsLog(workdir / "rate.jsonl")
    log.start({"suite": "rate"}, resume=False)
    store = CacheStore(workdir / "rate.sqlite3")
    began = time.perf_counter()
    for i in range(cases):
        record = records[i % len(records)]
        log.append(record.model_copy(update={"key": f"k{i}#0"}))
        for j in range(3):
            store.put("responses", f"r{i}-{j}", cache_rows[(3 * i + j) % len(cache_rows)][1])
        store.put("runs", f"run{i}", runs[i % len(runs)])
    log.close()
    store.close()
    return cases / (time.perf_counter() - began)


def cache_reader_rate(path: Path, keys: list[str], reads: int = 5000, in_flight: int = 64) -> float:
    """Reads per second of the cache's reader actor (on a local Ray instance), ``in_flight`` at a time."""
    from ponder.evals.executors.ray_actors import CacheReader
    from ponder.evals.executors.ray_session import connect

    session = connect("local")
    try:
        ray = session.ray
        reader = ray.remote(CacheReader).options(num_cpus=0, max_concurrency=16).remote(str(path))  # as the executor makes it
        ray.get(reader.get.remote("responses", keys[0]))  # started
        began = time.perf_counter()
        pending: list[Any] = []
        for i in range(reads):
            pending.append(reader.get.remote("responses", keys[i % len(keys)]))
            if len(pending) >= in_flight:
                done, pending = ray.wait(pending, num_returns=len(pending) // 2)
                ray.get(done)
        ray.get(pending)
        return reads / (time.perf_counter() - began)
    finally:
        session.close()


def cache_contents(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    import sqlite3

    with sqlite3.connect(path) as db:
        responses = [(str(k), str(v)) for k, v in db.execute("SELECT key, value FROM responses")]
        runs = [str(v) for (v,) in db.execute("SELECT value FROM runs")]
    return responses, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per model call")
    parser.add_argument("--actors", default="1,2,4", help="actor counts to measure")
    parser.add_argument("--no-scale-out", action="store_true", help="skip part 2")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    counts = [int(n) for n in args.actors.split(",")]
    suite = bench_suite(args.cases, args.delay)
    ideal = args.cases * 3 * args.delay
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        workdir = Path(tmp)
        evaluate(bench_suite(1, 0.0), cache_dir=None)  # the process's one-time imports, untimed
        print(f"{args.cases} cases x 3 model calls of {args.delay * 1000:.0f} ms; {args.cases * 3 * args.delay:.0f} s of model time")
        print(f"{'executor':<24} {'slots':>5} {'startup s':>9} {'run s':>8} {'stop s':>6} {'ovh ms/case':>10} {'p95 ms':>8} {'pass':>9} {'drv cpu ms':>8}")
        local = measure("local", suite, SLOTS, None, workdir)
        timings.append(local)
        print(local.row() + f"   (ideal run: {ideal / SLOTS:.1f} s)")
        for n in counts:
            per_actor = max(1, SLOTS // n)
            timing = measure(f"ray {n} actor(s) x {per_actor}", suite, n * per_actor, ray_executor(n, per_actor), workdir)
            timings.append(timing)
            print(timing.row() + f"   Ray overhead vs local: {timing.mean_overhead_ms - local.mean_overhead_ms:+.1f} ms/case")
        if not args.no_scale_out:
            for n in counts:
                timing = measure(f"ray {n} actor(s) x {SLOTS} (scale)", suite, n * SLOTS, ray_executor(n, SLOTS), workdir)
                timings.append(timing)
                print(timing.row() + f"   (ideal run: {ideal / (n * SLOTS):.1f} s)")
        responses, runs = cache_contents(workdir / "cache-local" / "evals.sqlite3")
        records = [CaseRecord.model_validate_json(line) for line in (workdir / "local.jsonl").read_text().splitlines()[1:]]
        rate = driver_write_rate(records, responses, runs, workdir, 10_000)
        print(f"driver write rate: {rate:,.0f} cases/s (a JSONL record of {_mean_len(workdir / 'local.jsonl')} bytes "
              f"and 4 cache rows a case, 10,000 cases)")  # fmt: skip
        reads = cache_reader_rate(workdir / "cache-local" / "evals.sqlite3", [k for k, _ in responses])
        print(f"cache reader: {reads:,.0f} reads/s (one actor on the driver's node, 64 reads in flight)")
    if args.json:
        figures = {"timings": [_figures(t) for t in timings], "driver_cases_per_s": rate, "cache_reads_per_s": reads}
        args.json.write_text(json.dumps(figures, indent=2))


def _mean_len(path: Path) -> int:
    lines = path.read_text().splitlines()[1:]
    return round(statistics.fmean(len(line) for line in lines))


def _figures(t: Timing) -> dict[str, Any]:
    return {"label": t.label, "slots": t.slots, "startup_s": round(t.startup, 2), "run_s": round(t.run, 2),
            "stop_s": round(t.teardown, 2), "overhead_ms_per_case": round(t.mean_overhead_ms, 2),
            "driver_cpu_ms_per_case": round(1000 * t.driver_cpu, 3), "passed": t.passed,
            "cases": t.cases}  # fmt: skip


if __name__ == "__main__":
    main()
