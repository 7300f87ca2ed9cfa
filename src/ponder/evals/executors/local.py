"""The local executor: jobs run in daemon threads of this process, a bounded number at a time.

Threads share the driver's objects (its model, its cache). A thread whose job overran its
deadline is written off: it finishes in the background, its result is dropped, and a new
thread takes its place, so a hung job never blocks the ones after it.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from ponder.evals.executors.base import Completion, Crashed, Executor, Finished, Job, Workload


class LocalExecutor(Executor):
    kind = "local"

    def __init__(self, concurrency: int = 4) -> None:
        self.concurrency = max(1, concurrency)
        self._workload: Workload | None = None
        self._inbox: queue.Queue[Job | None] = queue.Queue()
        self._results: queue.Queue[Completion] = queue.Queue()
        self._running: set[str] = set()
        self._abandoned: set[str] = set()
        self._threads = 0
        """Threads that take new jobs (written-off ones excluded)."""

    def start(self, workload: Workload) -> None:
        self._workload = workload

    def free_slots(self) -> int:
        return self.concurrency - len(self._running)

    def submit(self, job: Job) -> None:
        if self._threads < min(self.concurrency, len(self._running) + 1):
            threading.Thread(target=self._work, name="ponder-eval-worker", daemon=True).start()
            self._threads += 1
        self._running.add(job.key)
        self._inbox.put(job)

    def wait(self, timeout: float) -> list[Completion]:
        try:
            ended = [self._results.get(timeout=max(0.0, timeout))]
        except queue.Empty:
            return []
        while True:
            try:
                ended.append(self._results.get_nowait())
            except queue.Empty:
                break
        kept = [c for c in ended if c.key in self._running]  # else: abandoned earlier, dropped
        for c in kept:
            self._running.discard(c.key)
        return kept

    def abandon(self, key: str) -> None:
        if key in self._running:
            self._running.discard(key)
            self._abandoned.add(key)
            self._threads -= 1  # its thread is written off; a new one takes its place as needed

    def describe(self) -> dict[str, Any]:
        return {"executor": self.kind, "concurrency": self.concurrency}

    def close(self) -> None:
        for _ in range(self._threads):
            self._inbox.put(None)
        self._threads = 0

    def _work(self) -> None:
        assert self._workload is not None, "start() first"
        while (job := self._inbox.get()) is not None:
            completion: Completion
            try:
                completion = Finished(job.key, self._workload.run_here(job.payload))
            except BaseException as exc:  # a bug in Ponder must not lose the job either
                completion = Crashed(job.key, f"crash: {type(exc).__name__}: {exc}")
            self._results.put(completion)
            if job.key in self._abandoned:
                return  # a new thread took this one's place while it overran
