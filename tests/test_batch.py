"""``ponder.batch``: a batch's results file is never truncated, resumed without loss or doubles, and locked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ponder.batch import BatchResults, BatchTask
from ponder.errors import InputError, PonderWarning
from ponder.files import LockBusy

TASKS = [BatchTask(id=f"t{i}", task=f"task {i}") for i in range(4)]


def record(task: BatchTask, stop: str = "answer") -> dict[str, object]:
    return {"id": task.id, "task": task.task, "answer": None if stop == "error" else f"done {task.id}", "stop_reason": stop}


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_results_file_with_results_is_refused_without_resume_or_force(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps(record(TASKS[0])) + "\n")
    with pytest.raises(InputError) as caught:
        BatchResults(out).open(TASKS)
    assert "already holds 1 result(s)" in caught.value.message and "--resume" in caught.value.fix and "--force" in caught.value.fix
    assert out.read_text().count("\n") == 1, "nothing was truncated"


def test_resume_skips_finished_tasks_redoes_errored_ones_and_keeps_one_line_each(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in (record(TASKS[1]), record(TASKS[0], "error"))) + '{"id": "t2", "ta')
    with pytest.warns(PonderWarning, match="cut short"), BatchResults(out) as results:
        todo = results.open(TASKS, resume=True)
        assert [t.id for t in todo] == ["t0", "t2", "t3"]
        for task in todo:
            results.append(record(task))
    assert [r["id"] for r in lines(out)] == ["t1", "t0", "t2", "t3"]
    assert all(r["stop_reason"] == "answer" for r in lines(out))


def test_resume_refuses_a_task_file_that_changed(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps({**record(TASKS[0]), "task": "another task"}) + "\n")
    with pytest.raises(InputError, match="is not the task it holds a result for"):
        BatchResults(out).open(TASKS, resume=True)


def test_force_starts_over(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text(json.dumps(record(TASKS[0])) + "\n")
    with BatchResults(out) as results:
        assert len(results.open(TASKS, force=True)) == 4
    assert out.read_text() == ""


def test_a_second_writer_of_the_same_results_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with BatchResults(out) as first:
        first.open(TASKS)
        with pytest.raises(LockBusy, match="another `ponder run -f`"):
            BatchResults(out).open(TASKS, resume=True)
