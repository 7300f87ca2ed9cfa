"""What lives on the Ray cluster: the actor that hosts a worker, and the cache's read-only service.

``WorkerHost`` builds its ``Worker`` once from the recipe (the model is loaded there, once per
actor) and runs the jobs it is sent; a recipe that cannot be built is reported by ``ready()``
instead of killing the actor, so the driver can say why. ``CacheReader`` runs on the driver's
node and answers reads of the driver's cache file, opened read-only; ``RemoteCacheView`` is how
a worker on any node reads through it while keeping its own writes for the driver.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from ponder.errors import PonderError
from ponder.evals.executors.base import Worker, WorkerRecipe


class WorkerHost:
    """The body of one Ray actor (decorated with ``ray.remote`` by the executor)."""

    def __init__(self, recipe: WorkerRecipe) -> None:
        self.worker: Worker | None = None
        self.failure: dict[str, str] | None = None
        try:
            self.worker = recipe.build()
        except PonderError as exc:
            self.failure = {"error": exc.message, "fix": exc.fix}
        except Exception as exc:
            self.failure = {"error": f"{type(exc).__name__}: {exc}", "fix": ""}

    def ready(self) -> dict[str, Any]:
        import ray

        if self.worker is None:
            return {"failure": self.failure, "pid": os.getpid()}
        return {**self.worker.describe(), "node": ray.get_runtime_context().get_node_id(), "pid": os.getpid()}

    def run(self, payload: Any) -> Any:
        assert self.worker is not None, "ready() said this actor has no worker"
        return self.worker.run(payload)


class CacheReader:
    """Reads of the driver's cache file for actors on any node (opened read-only: only the driver writes)."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()

    def get(self, table: str, key: str) -> str | None:
        from ponder.evals.cache import TABLES

        if table not in TABLES:
            raise ValueError(f"no cache table {table!r}")
        with self._lock:
            row = self._db.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])


class RemoteCacheView:
    """A worker's view of the driver's cache: reads go to the ``CacheReader``, writes wait for ``drain``."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._writes: list[tuple[str, str, str]] = []

    def get(self, table: str, key: str) -> str | None:
        import ray

        with self._lock:  # this worker's own write, not yet at the driver
            for t, k, v in reversed(self._writes):
                if t == table and k == key:
                    return v
        found: str | None = ray.get(self._reader.get.remote(table, key))
        return found

    def put(self, table: str, key: str, value: str) -> None:
        with self._lock:
            self._writes.append((table, key, value))

    def drain(self) -> list[tuple[str, str, str]]:
        with self._lock:
            writes, self._writes = self._writes, []
        return writes

    def __getstate__(self) -> dict[str, Any]:
        return {"reader": self._reader}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["reader"])  # type: ignore[misc]
