"""A batch of tasks (``ponder run -f``) run by an executor, its results written by the driver alone.

Each job is one task; a worker builds the agent from the ``AgentSpec`` (on a Ray actor: from its
JSON, with the actor's own model, once) and runs the tasks it is sent. The driver writes one
JSON line per task, in the task file's order, as soon as the tasks before it are written: the
same file a one-at-a-time run writes. A task whose worker died runs once more, then is written
as an error.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ponder.errors import ExecutorError
from ponder.evals.executors.base import Crashed, Finished, Job

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.agents.spec import AgentSpec
    from ponder.backends.base import Backend
    from ponder.evals.executors.base import DriverServices, Executor

TaskRecord = dict[str, Any]


def run_task(agent: Agent, task_id: str, task: str) -> TaskRecord:
    """One task's line: the ``RunResult`` with the task's id, or the error that stopped it."""
    from ponder.agents import events as ev

    result = None
    error: ev.ErrorEvent | None = None
    for event in agent.stream(task):
        if isinstance(event, ev.ErrorEvent):
            error = event
        elif isinstance(event, ev.RunFinished):
            result = event.result
    if error is not None or result is None:
        message = "the run returned no result" if error is None else error.message
        if error is not None and error.fix:
            message = f"{message} (fix: {error.fix})"
        return {"id": task_id, "task": task, "answer": None, "stop_reason": "error", "error": message}
    return {"id": task_id, **result.model_dump(mode="json")}


class TaskWorkload:
    """The batch's jobs as an executor sees them: ``(id, task)`` payloads, one record each."""

    def __init__(self, spec: AgentSpec, backend: Backend) -> None:
        self.spec = spec.merged(model=backend.name)
        self.backend = backend

    def run_here(self, payload: tuple[str, str]) -> TaskRecord:
        return run_task(self.spec.build(backend=self.backend), *payload)

    def recipe(self, services: DriverServices) -> TaskWorkerRecipe:
        return TaskWorkerRecipe(agent_json=self.spec.to_json(), cwd=os.getcwd())

    def check_worker(self, description: dict[str, Any]) -> None:
        from ponder.evals.fingerprints import backend_identity, jsonable

        if description.get("identity") != jsonable(backend_identity(self.backend)):
            raise ExecutorError(
                f"the Ray actors' model differs from this process's ({self.backend.name})",
                fix="install the same Ponder version on the cluster and give its nodes the same model settings",
            )


@dataclass
class TaskWorkerRecipe:
    agent_json: str
    cwd: str

    def build(self) -> TaskWorker:
        return TaskWorker(self)


class TaskWorker:
    """One actor's agent: its model built once from the spec's JSON; a fresh run per task."""

    def __init__(self, recipe: TaskWorkerRecipe) -> None:
        from ponder.agents.spec import AgentSpec

        if os.path.isdir(recipe.cwd):
            os.chdir(recipe.cwd)
        self.spec = AgentSpec.from_json(recipe.agent_json)
        self.backend = self.spec.resolve_backend()
        self.spec.build(backend=self.backend)  # a spec that cannot be built fails now, not per task

    def describe(self) -> dict[str, Any]:
        from ponder.evals.fingerprints import backend_identity, jsonable

        return {"identity": jsonable(backend_identity(self.backend))}

    def run(self, payload: tuple[str, str]) -> TaskRecord:
        return run_task(self.spec.build(backend=self.backend), *payload)


def run_batch(
    tasks: list[dict[str, str]], workload: TaskWorkload, executor: Executor, write: Callable[[TaskRecord], None]
) -> None:
    """Run every task on ``executor``; ``write`` gets each record in the tasks' order."""
    pending = deque(Job(str(i), (t["id"], t["task"])) for i, t in enumerate(tasks))
    running: dict[str, Job] = {}
    ready: dict[int, TaskRecord] = {}
    next_out = 0
    executor.start(workload)
    try:
        while pending or running:
            while pending and executor.free_slots() > 0:
                job = pending.popleft()
                running[job.key] = job
                executor.submit(job)
            for ended in executor.wait(1.0):
                job = running.pop(ended.key)
                task_id, task = job.payload
                if isinstance(ended, Finished):
                    ready[int(job.key)] = ended.outcome
                elif isinstance(ended, Crashed) or job.attempt > 0:
                    reason = ended.error if isinstance(ended, Crashed) else f"its worker died twice ({ended.reason})"
                    ready[int(job.key)] = {"id": task_id, "task": task, "answer": None, "stop_reason": "error", "error": reason}
                else:
                    pending.appendleft(Job(job.key, job.payload, attempt=1))
            while next_out in ready:
                write(ready.pop(next_out))
                next_out += 1
    finally:
        executor.close()
