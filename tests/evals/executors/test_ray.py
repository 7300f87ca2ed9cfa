"""The Ray executor on a real two-node cluster: the same records and scores as a local run."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ponder.errors import ExecutorError
from ponder.evals.api import evaluate
from ponder.evals.executors.ray import RayExecutor
from ponder.evals.report import Report
from ponder.evals.runner import WorkersChanged
from tests.evals.executors.ray_helpers import comparable, comparable_values, multiply_add_suite

pytestmark = pytest.mark.timeout(600)


def scores(report: Report) -> list[Any]:
    """The report's aggregates (overall, per case, per tag) without timings."""
    parts = [report.overall.model_dump(), *(c.model_dump() for c in report.cases), *(t.model_dump() for t in report.tags.values())]
    return comparable_values(parts)


def rows(cache_dir: Path, table: str) -> int:
    with sqlite3.connect(cache_dir / "evals.sqlite3") as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_a_suite_on_ray_actors_gives_the_records_and_scores_of_a_local_run(ray_cluster: Any, tmp_path: Path) -> None:
    suite = multiply_add_suite(8, wrong=(2, 5), repeat=2)
    local = evaluate(suite, cache_dir=tmp_path / "local-cache", out=tmp_path / "local.jsonl", concurrency=4)
    events: list[object] = []
    executor = RayExecutor(address=ray_cluster.address, actors=4, num_cpus=1)  # 2 CPUs a node: both nodes take actors
    on_ray = evaluate(suite, cache_dir=tmp_path / "ray-cache", out=tmp_path / "ray.jsonl", executor=executor, on_event=events.append)

    assert comparable(on_ray.records) == comparable(local.records)
    assert [r.status for r in on_ray.records].count("fail") == 4 and len(on_ray.records) == 16
    assert on_ray.overall.score == local.overall.score == 0.75
    assert scores(on_ray) == scores(local)
    ran_on = on_ray.manifest["executor"]
    assert ran_on["executor"] == "ray" and ran_on["actors"] == 4
    assert ran_on["cluster"]["nodes"] == 2 and ran_on["nodes_used"] == 2
    assert local.manifest["executor"] == {"executor": "local", "concurrency": 4}
    assert max(e.live for e in events if isinstance(e, WorkersChanged)) == 4


def test_the_driver_alone_writes_the_cache_and_a_rerun_replays_without_starting_ray(ray_cluster: Any, tmp_path: Path) -> None:
    suite = multiply_add_suite(4)
    cache = tmp_path / "cache"
    first = evaluate(suite, cache_dir=cache, executor=RayExecutor(address=ray_cluster.address, actors=2))
    assert [r.cached for r in first.records] == ["no"] * 4
    assert rows(cache, "responses") == 12 and rows(cache, "runs") == 4  # 3 model calls a case, made on the actors

    again = evaluate(suite, cache_dir=cache, executor=RayExecutor(address=ray_cluster.address, actors=2))
    assert [r.cached for r in again.records] == ["run"] * 4
    assert comparable(again.records) == [{**r, "cached": "run"} for r in comparable(first.records)]
    assert "cluster" not in again.manifest["executor"]  # every case was replayed here: no actor was started


def test_actors_read_the_drivers_response_cache(ray_cluster: Any, tmp_path: Path) -> None:
    suite = multiply_add_suite(3)
    cache = tmp_path / "cache"
    evaluate(suite, cache_dir=cache, replay_runs=False, executor=RayExecutor(address=ray_cluster.address, actors=1))
    again = evaluate(suite, cache_dir=cache, replay_runs=False, executor=RayExecutor(address=ray_cluster.address, actors=1))
    assert [r.cached for r in again.records] == ["responses"] * 3  # every model call answered from the cache
    assert all(r.status == "pass" for r in again.records)


def test_a_model_built_in_python_cannot_travel_to_the_actors(ray_cluster: Any) -> None:
    from ponder.backends.scripted import ScriptedBackend

    suite = multiply_add_suite(1)
    with pytest.raises(ExecutorError, match="cannot build the model 'scripted:script'") as caught:
        evaluate(suite, model=ScriptedBackend(responder=lambda messages: "hi"), cache_dir=None,
                 executor=RayExecutor(address=ray_cluster.address, actors=1))  # fmt: skip
    assert "--executor local" in caught.value.fix


def test_an_address_where_no_cluster_listens_is_a_clear_error() -> None:
    pytest.importorskip("ray")
    from ponder.testing.llama_server import free_port

    with pytest.raises(ExecutorError, match="no Ray cluster answers at 127.0.0.1:") as caught:
        evaluate(multiply_add_suite(1), cache_dir=None, executor=RayExecutor(address=f"127.0.0.1:{free_port()}"))
    assert "--ray-address" in caught.value.fix


def test_a_ray_client_address_is_refused_with_the_fix() -> None:
    with pytest.raises(ExecutorError, match="Ray Client address") as caught:
        evaluate(multiply_add_suite(1), cache_dir=None, executor=RayExecutor(address="ray://127.0.0.1:10001"))
    assert "HOST:PORT" in caught.value.fix
