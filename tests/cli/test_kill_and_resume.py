"""``kill -9`` at random points of ``ponder run -f``, ``ponder eval`` and ``ponder index``, then resume.

Each command runs in a subprocess against a loopback model server (replies depend only on the
task, so every run of a task answers the same) and is SIGKILLed several times at random points:
after a random number of results has been written plus a random few milliseconds, or, for the
index (which writes at the end), after a random share of an uninterrupted run's time. Resumed to
the end, the results must equal an uninterrupted run's: every task once, nothing lost, nothing
doubled, the same answers.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.replies import Reply

PONDER = [sys.executable, "-m", "ponder.cli.main"]
TASKS = 30
KILLS = 3
SEED = int(os.environ.get("PONDER_KILL_SEED", "0")) or random.randrange(1, 10**6)


def answer(body: Any) -> Reply:
    task = body["messages"][-1]["content"]
    return Reply(text=f"Answer to {task}.", delay=0.05, chunk=3)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        fake.responder = answer
        yield fake


def environment(cwd: Path, server: FakeOpenAIServer) -> dict[str, str]:
    env = {**os.environ, "OPENAI_BASE_URL": f"{server.url}/v1", "XDG_DATA_HOME": str(cwd / "data"), "COLUMNS": "200"}
    for var in ("PONDER_MODEL", "PONDER_CONFIG", "OPENAI_API_KEY", "PONDER_PROMPTS_DIR"):
        env.pop(var, None)
    return env


def finish(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PONDER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def kill_when(args: list[str], cwd: Path, env: dict[str, str], *, lines_in: Path | None, lines: int, after: float) -> bool:
    """Start the command, wait until ``lines_in`` has ``lines`` lines (if given) and ``after`` more
    seconds, then SIGKILL it. False if it finished before it could be killed."""
    process = subprocess.Popen([*PONDER, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while lines_in is not None and process.poll() is None and time.monotonic() < deadline:
            if lines_in.is_file() and lines_in.read_bytes().count(b"\n") >= lines:
                break
            time.sleep(0.01)
        time.sleep(after)
        if process.poll() is not None:
            return False
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass
class Survival:
    """What one scenario did: how many kills landed mid-run, and what differs from an uninterrupted run."""

    kills: int
    problems: list[str]

    @property
    def survived(self) -> int:
        return self.kills if not self.problems else 0


def batch_scenario(root: Path, server: FakeOpenAIServer, rng: random.Random, kills: int = KILLS) -> Survival:
    """``ponder run -f`` killed ``kills`` times after a random number of results, resumed each time."""
    tasks = "".join(f"- {{id: t{i}, task: 'task number {i}'}}\n" for i in range(TASKS))
    whole, killed = root / "whole", root / "killed"
    for folder in (whole, killed):
        folder.mkdir(parents=True)
        (folder / "tasks.yaml").write_text(tasks)
    args = ["run", "-m", "openai:m", "-f", "tasks.yaml"]
    problems = _failed(finish(args, whole, environment(whole, server)), "the uninterrupted run")
    env = environment(killed, server)
    results = killed / "tasks.results.jsonl"
    landed = 0
    for round_ in range(kills):
        at = rng.randrange(1, max(2, TASKS // kills)) + round_ * (TASKS // kills)
        resume = ["--resume"] if round_ else []
        landed += kill_when([*args, *resume], killed, env, lines_in=results, lines=at, after=rng.uniform(0, 0.08))
    problems += _failed(finish([*args, "--resume"], killed, env), "the last resume")
    got = jsonl(results) if results.is_file() else []
    want = jsonl(whole / "tasks.results.jsonl") if (whole / "tasks.results.jsonl").is_file() else []
    if [r["id"] for r in got] != [f"t{i}" for i in range(TASKS)]:
        problems.append(f"ids after resume: {[r['id'] for r in got]}")
    if [(r["id"], r["answer"]) for r in got] != [(r["id"], r["answer"]) for r in want]:
        problems.append("the answers differ from the uninterrupted run's")
    return Survival(landed, problems)


def eval_scenario(root: Path, server: FakeOpenAIServer, rng: random.Random, kills: int = KILLS) -> Survival:
    """``ponder eval`` (cache on, 2 at a time) killed ``kills`` times after a random number of records."""
    cases = "".join(f"  - {{id: c{i}, input: 'task number {i}', expected: 'Answer to task number {i}.'}}\n" for i in range(TASKS))
    suite = f"name: killme\nmodel: openai:m\ncases:\n{cases}"
    whole, killed = root / "whole", root / "killed"
    for folder in (whole, killed):
        folder.mkdir(parents=True)
        (folder / "s.yaml").write_text(suite)
    args = ["eval", "s.yaml", "-j", "2", "--no-progress", "-q"]
    problems = _failed(finish(args, whole, environment(whole, server)), "the uninterrupted run")
    env = environment(killed, server)
    log = killed / ".ponder" / "evals" / "killme.jsonl"
    landed = 0
    for round_ in range(kills):
        at = 1 + rng.randrange(1, max(2, TASKS // kills)) + round_ * (TASKS // kills)
        resume = ["--resume"] if round_ else []
        landed += kill_when([*args, *resume], killed, env, lines_in=log, lines=at, after=rng.uniform(0, 0.08))
    final = finish([*args, "--resume", "--min-score", "1"], killed, env)
    problems += _failed(final, "the last resume")
    if "damaged" in final.stderr:
        problems.append("the cache was damaged by a kill")
    got = [r for r in jsonl(log) if r["type"] == "case"] if log.is_file() else []
    whole_log = whole / ".ponder" / "evals" / "killme.jsonl"
    want = [r for r in jsonl(whole_log) if r["type"] == "case"] if whole_log.is_file() else []
    if sorted(r["key"] for r in got) != sorted(r["key"] for r in want):
        problems.append(f"{len(got)} records after resume, {len(want)} in the uninterrupted run")
    if {r["key"]: (r["status"], r["answer"]) for r in got} != {r["key"]: (r["status"], r["answer"]) for r in want}:
        problems.append("the records differ from the uninterrupted run's")
    return Survival(landed, problems)


def index_scenario(root: Path, server: FakeOpenAIServer, rng: random.Random, kills: int = KILLS) -> Survival:
    """``ponder index`` killed ``kills`` times at a random share of an uninterrupted run's time, then run again."""
    whole, killed = root / "whole", root / "killed"
    for folder in (whole, killed):
        docs = folder / "docs"
        docs.mkdir(parents=True)
        for i in range(300):
            (docs / f"page{i}.md").write_text(f"# Page {i}\n\nBoiler {i} keeps between {i}.2 and {i}.8 bar. " * 8 + "\n")
    args = ["index", "docs", "--name", "kb"]
    started = time.monotonic()
    problems = _failed(finish(args, whole, environment(whole, server)), "the uninterrupted run")
    took = time.monotonic() - started
    env = environment(killed, server)
    landed = sum(kill_when(args, killed, env, lines_in=None, lines=0, after=rng.uniform(0.3, 1.0) * took) for _ in range(kills))
    problems += _failed(finish(args, killed, env), "the run after the kills")

    def facts(folder: Path) -> tuple[Any, ...]:
        index = folder / ".ponder" / "index" / "kb"
        try:
            base = json.loads((index / "base.json").read_text())
            files = json.loads((index / "files.json").read_text())
        except (OSError, ValueError) as exc:
            return (f"unreadable: {exc}",)
        return base["files"], base["passages"], {k: v["digest"] for k, v in files.items()}

    if facts(killed) != facts(whole):
        problems.append("the index differs from the uninterrupted run's")
    query = ["index", "--name", "kb", "--query", "Boiler 123"]
    if finish(query, killed, env).stdout != finish(query, whole, environment(whole, server)).stdout:
        problems.append("a search answers differently")
    folder = killed / ".ponder" / "index"
    leftovers = [p.name for p in folder.iterdir() if p.name not in ("kb", ".kb.lock")] if folder.is_dir() else []
    if leftovers:
        problems.append(f"left behind: {leftovers}")
    return Survival(landed, problems)


def _failed(out: subprocess.CompletedProcess[str], what: str) -> list[str]:
    return [] if out.returncode == 0 else [f"{what} exited {out.returncode}: {out.stderr[-300:]}"]


@pytest.mark.parametrize("scenario", [batch_scenario, eval_scenario, index_scenario], ids=["run -f", "eval", "index"])
def test_killed_again_and_again_then_resumed_it_ends_like_an_uninterrupted_run(
    scenario: Any, tmp_path: Path, server: FakeOpenAIServer
) -> None:
    outcome = scenario(tmp_path, server, random.Random(SEED))
    assert outcome.problems == [], f"seed {SEED} (PONDER_KILL_SEED={SEED} repeats it)"
    assert outcome.kills >= (1 if scenario is index_scenario else KILLS), f"seed {SEED}: the kills did not land mid-run"
