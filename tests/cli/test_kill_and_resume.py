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


def test_a_batch_killed_again_and_again_resumes_to_the_same_results(tmp_path: Path, server: FakeOpenAIServer) -> None:
    rng = random.Random(SEED)
    tasks = "".join(f"- {{id: t{i}, task: 'task number {i}'}}\n" for i in range(TASKS))
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for folder in (whole, killed):
        folder.mkdir()
        (folder / "tasks.yaml").write_text(tasks)
    args = ["run", "-m", "openai:m", "-f", "tasks.yaml"]
    assert finish(args, whole, environment(whole, server)).returncode == 0
    env = environment(killed, server)
    results = killed / "tasks.results.jsonl"
    survived = 0
    for round_ in range(KILLS):
        at = rng.randrange(1, TASKS // KILLS) + round_ * (TASKS // KILLS)
        survived += kill_when([*args, *(["--resume"] if round_ else [])], killed, env, lines_in=results, lines=at, after=rng.uniform(0, 0.08))
    final = finish([*args, "--resume"], killed, env)
    assert final.returncode == 0, f"seed {SEED}: {final.stderr}"
    assert survived == KILLS, f"seed {SEED}: some runs ended before they could be killed"
    got = jsonl(results)
    want = jsonl(whole / "tasks.results.jsonl")
    assert [r["id"] for r in got] == [f"t{i}" for i in range(TASKS)], f"seed {SEED}: every task once, in order"
    assert [(r["id"], r["answer"]) for r in got] == [(r["id"], r["answer"]) for r in want]


def test_an_eval_killed_again_and_again_resumes_to_the_same_records(tmp_path: Path, server: FakeOpenAIServer) -> None:
    rng = random.Random(SEED + 1)
    cases = "".join(f"  - {{id: c{i}, input: 'task number {i}', expected: 'Answer to task number {i}.'}}\n" for i in range(TASKS))
    suite = f"name: killme\nmodel: openai:m\ncases:\n{cases}"
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for folder in (whole, killed):
        folder.mkdir()
        (folder / "s.yaml").write_text(suite)
    args = ["eval", "s.yaml", "-j", "2", "--no-progress", "-q"]
    assert finish(args, whole, environment(whole, server)).returncode == 0
    env = environment(killed, server)
    log = killed / ".ponder" / "evals" / "killme.jsonl"
    survived = 0
    for round_ in range(KILLS):
        at = 1 + rng.randrange(1, TASKS // KILLS) + round_ * (TASKS // KILLS)
        survived += kill_when([*args, *(["--resume"] if round_ else [])], killed, env, lines_in=log, lines=at, after=rng.uniform(0, 0.08))
    final = finish([*args, "--resume", "--min-score", "1"], killed, env)
    assert final.returncode == 0, f"seed {SEED}: {final.stdout}{final.stderr}"
    assert survived == KILLS, f"seed {SEED}: some runs ended before they could be killed"
    got = [r for r in jsonl(log) if r["type"] == "case"]
    want = [r for r in jsonl(whole / ".ponder" / "evals" / "killme.jsonl") if r["type"] == "case"]
    assert sorted(r["key"] for r in got) == sorted(r["key"] for r in want), f"seed {SEED}: every case once"
    assert {r["key"]: (r["status"], r["answer"]) for r in got} == {r["key"]: (r["status"], r["answer"]) for r in want}
    assert "damaged" not in final.stderr, "the cache survived the kills"


def test_an_index_killed_again_and_again_ends_like_an_uninterrupted_one(tmp_path: Path, server: FakeOpenAIServer) -> None:
    rng = random.Random(SEED + 2)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for folder in (whole, killed):
        docs = folder / "docs"
        docs.mkdir(parents=True)
        for i in range(300):
            (docs / f"page{i}.md").write_text(f"# Page {i}\n\nBoiler {i} keeps between {i}.2 and {i}.8 bar. " * 8 + "\n")
    args = ["index", "docs", "--name", "kb"]
    started = time.monotonic()
    assert finish(args, whole, environment(whole, server)).returncode == 0
    took = time.monotonic() - started
    env = environment(killed, server)
    survived = sum(kill_when(args, killed, env, lines_in=None, lines=0, after=rng.uniform(0.3, 1.0) * took) for _ in range(KILLS))
    final = finish(args, killed, env)
    assert final.returncode == 0, f"seed {SEED}: {final.stderr}"
    assert survived >= 1, f"seed {SEED}: no run could be killed"

    def facts(folder: Path) -> tuple[Any, ...]:
        base = json.loads((folder / ".ponder" / "index" / "kb" / "base.json").read_text())
        files = json.loads((folder / ".ponder" / "index" / "kb" / "files.json").read_text())
        return base["files"], base["passages"], {k: v["digest"] for k, v in files.items()}

    assert facts(killed) == facts(whole)
    query = ["index", "--name", "kb", "--query", "Boiler 123"]
    assert finish(query, killed, env).stdout == finish(query, whole, environment(whole, server)).stdout
    leftovers = [p.name for p in (killed / ".ponder" / "index").iterdir() if p.name not in ("kb", ".kb.lock")]
    assert leftovers == [], "no staging or old folder is left behind"
