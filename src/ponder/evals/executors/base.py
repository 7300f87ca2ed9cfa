"""The executor contract: what runs jobs for a driver that alone keeps the books.

A driver (the eval runner, a ``ponder run -f`` batch) decides which jobs run, enforces their
deadlines and writes every record, cache row and report; an executor only runs the jobs it is
handed and says how each ended. Two implementations: ``LocalExecutor`` (threads in this
process) and ``RayExecutor`` (actors on a Ray cluster), so a driver behaves the same whichever
runs its jobs.

A driver describes its work as a ``Workload``: how to run one job here (threads share the
driver's objects) and a picklable ``WorkerRecipe`` that builds an equivalent ``Worker`` in
another process once (a Ray actor loads the model once and runs the jobs it is sent). The
executor reports each job as ``Finished`` (the worker's outcome), ``Crashed`` (the worker
raised: a bug, recorded as an error) or ``Lost`` (the worker's process died: the driver runs
the job once more elsewhere, then records an error).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Job:
    key: str
    """Unique among the jobs a driver has running."""
    payload: Any
    """What the worker needs for this job (a case and its repeat index, a task); picklable for Ray."""
    attempt: int = 0
    """0 the first time; 1 when the worker of the first attempt died."""


@dataclass(frozen=True)
class Finished:
    key: str
    outcome: Any


@dataclass(frozen=True)
class Crashed:
    key: str
    error: str


@dataclass(frozen=True)
class Lost:
    key: str
    reason: str


Completion = Finished | Crashed | Lost


class CacheView(Protocol):
    """A worker's view of the driver's response cache: it reads, and hands its writes back."""

    def get(self, table: str, key: str) -> str | None: ...

    def put(self, table: str, key: str, value: str) -> None: ...

    def drain(self) -> list[tuple[str, str, str]]:
        """The writes buffered since the last call, for the driver to make."""
        ...


class DriverServices(Protocol):
    """What an executor offers remote workers besides running their jobs."""

    def cache_view(self, path: Path) -> CacheView:
        """A read-only view of the driver's cache file (``path``), usable from any worker."""
        ...


class Worker(Protocol):
    """Runs jobs in a process of its own (built once there from a ``WorkerRecipe``)."""

    def describe(self) -> dict[str, Any]:
        """What the driver checks before sending jobs (the model's identity, ...)."""
        ...

    def run(self, payload: Any) -> Any:
        """One job's outcome (picklable); a problem of the job itself belongs in the outcome."""
        ...


class WorkerRecipe(Protocol):
    """Picklable: everything a remote process needs to build a ``Worker``."""

    def build(self) -> Worker: ...


class Workload(Protocol):
    """A driver's jobs, as an executor sees them."""

    def run_here(self, payload: Any) -> Any:
        """One job in this process (the local executor's threads call this concurrently)."""
        ...

    def recipe(self, services: DriverServices) -> WorkerRecipe:
        """How another process builds a worker for these jobs."""
        ...

    def check_worker(self, description: dict[str, Any]) -> None:
        """Raise ``ExecutorError`` if a remote worker would not run the jobs as this process would."""
        ...


class Executor(ABC):
    """Runs a driver's jobs; see the module's docstring for the division of labour."""

    kind: str

    @abstractmethod
    def start(self, workload: Workload) -> None:
        """Get ready to run ``workload``'s jobs (connect, start workers); raises ``ExecutorError``."""

    @abstractmethod
    def free_slots(self) -> int:
        """How many more jobs may be submitted now."""

    @abstractmethod
    def submit(self, job: Job) -> None: ...

    @abstractmethod
    def wait(self, timeout: float) -> list[Completion]:
        """The jobs that ended, waiting up to ``timeout`` seconds for the first one."""

    @abstractmethod
    def abandon(self, key: str) -> None:
        """The driver gave up on a running job (its deadline passed): free its slot; its result is dropped."""

    def live_workers(self) -> int | None:
        """Workers alive now (Ray actors), or None where the notion does not apply."""
        return None

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """For the run's manifest: the executor and the size of what runs the jobs."""

    @abstractmethod
    def close(self) -> None:
        """Stop the workers (a driver that ends, normally or not, calls this)."""
