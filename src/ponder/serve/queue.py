"""Backpressure: a ``Lane`` runs so many runs at once, lets so many wait, and refuses the rest.

The embedded model computes one reply at a time, so every ``local:`` agent shares one lane of
width 1; a remote backend's lane is as wide as ``--concurrency``. A request that finds the lane
full is refused at once (HTTP 429 with ``Retry-After``) instead of piling up. Used from the
event loop's thread only.
"""

from __future__ import annotations

import asyncio
import math
import time


class QueueFull(Exception):
    def __init__(self, lane: str, retry_after: int) -> None:
        super().__init__(f"lane {lane} is full")
        self.lane = lane
        self.retry_after = retry_after


class Lane:
    def __init__(self, name: str, *, concurrency: int, queue_size: int) -> None:
        self.name = name
        self.concurrency = concurrency
        self.capacity = concurrency + queue_size
        self.admitted = 0
        self.running = 0
        self._slots = asyncio.Semaphore(concurrency)
        self._mean_seconds = 1.0
        """A moving average of run times: what ``Retry-After`` is estimated from."""

    @property
    def waiting(self) -> int:
        return self.admitted - self.running

    def admit(self) -> Ticket:
        """A place in the lane, or ``QueueFull`` when every place is taken."""
        if self.admitted >= self.capacity:
            raise QueueFull(self.name, self.retry_after())
        self.admitted += 1
        return Ticket(self)

    def retry_after(self) -> int:
        ahead = self.waiting + 1
        return max(1, min(60, math.ceil(self._mean_seconds * ahead / self.concurrency)))

    def _took(self, seconds: float) -> None:
        self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * seconds


class Ticket:
    """One admitted request: ``await start()`` waits for a slot, ``finish()`` gives everything back once."""

    def __init__(self, lane: Lane) -> None:
        self.lane = lane
        self._started: float | None = None
        self._done = False

    async def start(self) -> None:
        await self.lane._slots.acquire()
        self.lane.running += 1
        self._started = time.perf_counter()

    def finish(self) -> None:
        if self._done:
            return
        self._done = True
        lane = self.lane
        if self._started is not None:
            lane._took(time.perf_counter() - self._started)
            lane.running -= 1
            lane._slots.release()
        lane.admitted -= 1
