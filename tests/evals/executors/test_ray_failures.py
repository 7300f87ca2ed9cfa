"""On a real Ray cluster: a worker that dies, a case that kills its workers, a driver killed and resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ponder.evals.api import evaluate
from ponder.evals.executors.ray import RayExecutor
from ponder.evals.runner import EvalRunner, JobFinished, JobRetried, JobStarted, RunOptions
from ponder.tools.base import Tool
from tests.evals.executors.conftest import ROOT
from tests.evals.executors.ray_helpers import case_lines, comparable, multiply_add_suite, suite_yaml

pytestmark = pytest.mark.timeout(600)


def end_this_process(expression: str) -> str:
    """Pretends to be the calculator, and ends the process it runs in (a worker that dies mid-case).

    Args:
        expression: ignored
    """
    os._exit(17)


def test_a_worker_killed_mid_case_has_its_case_run_again_on_another_actor(ray_cluster: Any, tmp_path: Path) -> None:
    import ray

    suite = multiply_add_suite(6, delay=0.4)  # 1.2 s a case
    executor = RayExecutor(address=ray_cluster.address, actors=2)
    events: list[object] = []
    killed: list[str] = []

    def on_event(event: object) -> None:
        events.append(event)
        first_start = not any(isinstance(e, JobStarted) and e.key == "case03#0" for e in events[:-1])
        if isinstance(event, JobStarted) and event.key == "case03#0" and first_start:
            def kill_soon() -> None:
                time.sleep(0.5)  # the case is on its actor, mid-run
                killed.append(event.key)
                ray.kill(executor.actor_for(event.key), no_restart=True)

            threading.Thread(target=kill_soon, daemon=True).start()

    report = evaluate(suite, cache_dir=None, executor=executor, out=tmp_path / "run.jsonl", on_event=on_event)
    assert killed == ["case03#0"]
    retried = [e for e in events if isinstance(e, JobRetried)]
    assert [e.key for e in retried] == ["case03#0"] and "died" in retried[0].reason
    assert [r.status for r in report.records] == ["pass"] * 6  # the killed case too, on another actor
    assert [e.record.key for e in events if isinstance(e, JobFinished)].count("case03#0") == 1
    assert sorted(line["key"] for line in case_lines(tmp_path / "run.jsonl")) == [f"case0{i}#0" for i in range(6)]
    assert executor.deaths == 1


def test_a_case_that_kills_every_worker_it_runs_on_is_recorded_as_an_error(ray_cluster: Any) -> None:
    suite = multiply_add_suite(4)
    killer = Tool.from_function(end_this_process, name="calculator")
    suite = replace(suite, cases=[replace(c, tools=[killer]) if c.id == "case01" else c for c in suite.cases])
    events: list[object] = []
    executor = RayExecutor(address=ray_cluster.address, actors=2)
    report = evaluate(suite, cache_dir=None, executor=executor, on_event=events.append)

    by_case = {r.case: r for r in report.records}
    assert by_case["case01"].status == "error"
    assert "its worker died twice" in (by_case["case01"].error or "")
    assert all(by_case[c].status == "pass" for c in ("case00", "case02", "case03"))
    assert [e.key for e in events if isinstance(e, JobRetried)] == ["case01#0"]
    assert executor.deaths == 2


def hang(expression: str) -> str:
    """Pretends to be the calculator, and hangs far past the case's deadline.

    Args:
        expression: ignored
    """
    time.sleep(25)
    return "too late"


def test_a_case_past_its_deadline_is_abandoned_and_its_actor_replaced(ray_cluster: Any) -> None:
    suite = multiply_add_suite(4)
    stuck = Tool.from_function(hang, name="calculator")
    suite = replace(suite, cases=[replace(c, tools=[stuck]) if c.id == "case00" else c for c in suite.cases])
    executor = RayExecutor(address=ray_cluster.address, actors=1)  # one slot: the hung case holds it
    runner = EvalRunner(suite, suite.agent.merged().resolve_backend(), options=RunOptions(executor=executor, hard_timeout=3.0))
    records = runner.run()
    assert [r.status for r in records] == ["error", "pass", "pass", "pass"]
    assert "did not finish within 3s (hard limit); abandoned" in (records[0].error or "")
    assert executor.deaths == 1  # its only slot was held by the hung case: killed and replaced


def driver(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "ponder.cli.main", "eval", "suite.yaml", "-o", "run.jsonl", "--no-progress", *args]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_killed_driver_resumes_with_nothing_lost_or_duplicated(ray_cluster: Any, tmp_path: Path) -> None:
    (tmp_path / "suite.yaml").write_text(suite_yaml(12, delay=0.3))
    env = {**os.environ, **ray_cluster.auth_env(), "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    on_ray = ["--executor", "ray", "--ray-address", ray_cluster.address, "--ray-actors", "2", "-j", "1"]
    first = driver(on_ray, tmp_path, env)
    log = tmp_path / "run.jsonl"
    deadline = time.monotonic() + 240
    while (not log.exists() or len(case_lines(log)) < 3) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
    first.send_signal(signal.SIGKILL)  # the driver, mid-run: some cases written, some on the actors
    first.wait(timeout=30)
    done_before = {line["key"] for line in case_lines(log)}
    assert 3 <= len(done_before) < 12

    resumed = driver([*on_ray, "--resume"], tmp_path, env)
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()

    keys = [line["key"] for line in case_lines(log)]
    assert sorted(keys) == sorted(f"case{i:02d}#0" for i in range(12))  # nothing lost, nothing twice
    assert all(line["status"] == "pass" for line in case_lines(log))
    local = evaluate(multiply_add_suite(12, delay=0.0), cache_dir=None)
    from ponder.evals.records import read_log

    records = read_log(log).records
    resumed_records = [records[r.key] for r in local.records]
    assert [r["answer"] for r in comparable(resumed_records)] == [r["answer"] for r in comparable(local.records)]
