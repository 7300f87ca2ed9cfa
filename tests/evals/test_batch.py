"""A batch of tasks on an executor: one record per task, written in the task file's order."""

from __future__ import annotations

from typing import Any

from ponder.agents.spec import AgentSpec
from ponder.backends.registry import resolve_backend
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.evals.batch import TaskWorkload, run_batch, run_task
from ponder.evals.executors.local import LocalExecutor

TASKS = [{"id": str(i), "task": f"What is {i} * 3 + 1?"} for i in range(8)]


def test_records_are_written_in_task_order_whatever_order_the_tasks_end_in() -> None:
    # four at a time: they end in any order, and are written in the order of the file
    backend = resolve_backend("scripted:ponder.testing.responders:multiply_add?delay=0.05")
    spec = AgentSpec(tools=["calculator"])
    written: list[dict[str, Any]] = []
    run_batch(TASKS, TaskWorkload(spec, backend), LocalExecutor(4), written.append)
    assert [r["id"] for r in written] == [t["id"] for t in TASKS]
    assert [r["answer"] for r in written] == [f"The answer is {i * 3 + 1}." for i in range(8)]


def test_a_record_is_the_run_result_one_at_a_time_gives() -> None:
    backend = resolve_backend("scripted:ponder.testing.responders:multiply_add")
    spec = AgentSpec(tools=["calculator"])
    written: list[dict[str, Any]] = []
    run_batch(TASKS[:2], TaskWorkload(spec, backend), LocalExecutor(2), written.append)
    alone = run_task(spec.merged(model=backend.name).build(backend=backend), "0", TASKS[0]["task"])
    assert set(written[0]) == set(alone) and written[0]["trajectory"][0]["arguments"] == alone["trajectory"][0]["arguments"]


def test_a_backend_failure_is_a_record_with_the_error_and_the_batch_goes_on() -> None:
    backend = ScriptedBackend([Scripted(fail="the server is down"), "fine"])
    written: list[dict[str, Any]] = []
    run_batch(TASKS[:2], TaskWorkload(AgentSpec(tools=[]), backend), LocalExecutor(1), written.append)
    assert written[0] == {"id": "0", "task": TASKS[0]["task"], "answer": None, "stop_reason": "error",
                          "error": "the server is down (fix: this failure was scripted by the test)"}  # fmt: skip
    assert written[1]["answer"] == "fine"
