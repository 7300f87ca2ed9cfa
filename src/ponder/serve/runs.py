"""Runs on a server: admitted into a lane, computed in a worker thread, cancelled when the client leaves.

``RunManager`` starts chat runs (kept in memory) and native runs (kept on disk: started, paused,
finished), resumes paused runs after an approval or a denial, and drains on shutdown: new runs
are refused, in-flight ones get ``shutdown_grace`` seconds to finish and are then cancelled;
paused runs are on disk already and lose nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ponder.agents import events as ev
from ponder.agents.result import RunResult
from ponder.agents.spec import AgentSpec
from ponder.serve import errors
from ponder.serve.conversation import Conversation
from ponder.serve.metrics import Metrics
from ponder.serve.queue import QueueFull, Ticket
from ponder.serve.runner import ApprovalPending, Finished, Paused, Segment, pausing, run_segment
from ponder.serve.served import ServedAgent, ServedAgents
from ponder.serve.settings import ServeSettings
from ponder.serve.store import RunStore, StoredRun, new_run_id

_END = object()
WATCHDOG_SLACK = 30.0
"""Seconds past its time limit after which a run is cancelled whatever it is doing."""


@dataclass
class LiveRun:
    id: str
    served: ServedAgent
    durable: bool
    """Native runs are kept on disk (started, paused, finished); chat runs only in memory."""
    cancel: threading.Event = field(default_factory=threading.Event)


class Execution:
    """One segment of a run for one request: ``events()`` (streaming) or ``outcome()``."""

    def __init__(self, manager: RunManager, run: LiveRun, ticket: Ticket, build: Callable[[LiveRun], Segment], stored: StoredRun | None) -> None:
        self.manager = manager
        self.run = run
        self.ticket = ticket
        self._build = build
        self._stored = stored
        self.result: Paused | Finished | None = None
        self._started = False
        self._future: asyncio.Future[Paused | Finished] | None = None

    @property
    def run_id(self) -> str:
        return self.run.id

    async def events(self, *, stream: bool = True) -> AsyncIterator[ev.Event]:
        """The segment's events as they happen; ``self.result`` is set once they end. Leaving early cancels the run."""
        manager = self.manager
        self._started = True
        try:
            await self.ticket.start()
        except BaseException:
            manager._forget(self.run, self.ticket)
            raise
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def emit(item: object) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def emit_none(item: object) -> None:
            if item is _END:
                emit(item)

        watchdog = loop.call_later(manager.settings.run_timeout + WATCHDOG_SLACK, self.run.cancel.set)
        # The worker runs in a copy of this context: the request's span (if the app is traced) is the run's parent.
        context = contextvars.copy_context()
        future = self._future = loop.run_in_executor(manager.pool, context.run, self._work, emit if stream else emit_none)

        def ended(f: asyncio.Future[Paused | Finished]) -> None:
            watchdog.cancel()
            manager._ended(self.run, self.ticket, f)

        future.add_done_callback(ended)
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    break
                yield item
            self.result = await future
        finally:
            if not future.done():
                self.run.cancel.set()  # the client left: the loop stops at its next check

    def abandon(self) -> None:
        """The response is over: a run never started gives its place back, a running one is cancelled."""
        if not self._started:
            self._started = True
            self.manager._forget(self.run, self.ticket)
        elif self._future is not None and not self._future.done():
            self.run.cancel.set()

    async def outcome(self) -> Paused | Finished:
        async for _ in self.events(stream=False):
            pass
        assert self.result is not None
        return self.result

    def _work(self, emit: Callable[[object], None]) -> Paused | Finished:
        """In the worker thread: run the segment and keep its state on disk (durable runs)."""
        manager, run = self.manager, self.run
        try:
            stored = self._stored
            if stored is not None:
                manager.store.save(stored)
            outcome = run_segment(self._build(run), emit)
            if isinstance(outcome, Paused) and stored is not None:
                stored.status, stored.messages, stored.pending = "paused", outcome.messages, outcome.pending
                stored.progress, stored.decision = outcome.progress, None
                manager.store.save(stored)  # on disk before the client hears of it
                pending = outcome.pending
                emit(ApprovalPending(
                    run_id=run.id, step=outcome.progress.steps, call_id=pending.call_id, name=pending.name,
                    arguments=pending.arguments, description=pending.description,
                ))  # fmt: skip
            elif isinstance(outcome, Finished) and stored is not None:
                stored.status, stored.result, stored.pending = "finished", outcome.result, None
                manager.store.save(stored)
            return outcome
        finally:
            emit(_END)


class RunManager:
    def __init__(self, agents: ServedAgents, settings: ServeSettings, metrics: Metrics) -> None:
        self.agents = agents
        self.settings = settings
        self.metrics = metrics
        self.store = RunStore(settings.state_dir)
        workers = sum(lane.concurrency for lane in agents.lanes) + 4
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ponder-run")
        self.live: dict[str, LiveRun] = {}
        self._claimed: set[str] = set()
        self.recent: OrderedDict[str, tuple[str, RunResult]] = OrderedDict()
        self.closing = False

    # -- starting ------------------------------------------------------------------------------
    def start(self, served: ServedAgent, conversation: Conversation, *, durable: bool) -> Execution:
        """Admit a new run (429 when its lane is full, 503 while shutting down)."""
        run = LiveRun(id=new_run_id(), served=served, durable=durable)
        ticket = self._admit(run)
        approve = served.spec.approver()

        def build(run: LiveRun) -> Segment:
            config = served.loop_config(
                cancel=run.cancel.is_set,
                approve=pausing(approve) if durable else approve,
                system_extra=conversation.system_extra,
                run_timeout=self.settings.run_timeout,
            )
            return Segment(config=config, task=conversation.task, history=conversation.history)

        stored = None
        if durable:
            stored = StoredRun(
                id=run.id, model=served.id, status="running", spec=served.spec.to_json(), task=conversation.task,
                system_extra=conversation.system_extra, messages=conversation.history,
            )  # fmt: skip
        return Execution(self, run, ticket, build, stored)

    async def resume(self, run_id: str, *, approve: bool, call_id: str | None) -> Execution:
        """Settle a paused run's pending call and go on; 404 unknown, 409 not paused, 429 lane full."""
        if self.closing:
            raise errors.closing()
        if run_id in self.live or run_id in self._claimed:
            raise errors.ApiError(409, f"run {run_id} is running, not waiting for approval", code="run_not_paused")
        self._claimed.add(run_id)  # a second approval arriving meanwhile is refused
        try:
            stored = await asyncio.to_thread(self.store.load, run_id)
            if stored is None:
                raise errors.ApiError(404, f"no run {run_id} on this server", code="run_not_found", param="run_id")
            if stored.status != "paused" or stored.pending is None:
                status = "interrupted" if stored.status == "running" else stored.status
                raise errors.ApiError(409, f"run {run_id} is {status}, not waiting for approval", code="run_not_paused")
            pending = stored.pending
            if call_id is not None and call_id != pending.call_id:
                raise errors.ApiError(
                    409, f"call {call_id} is not pending; run {run_id} waits on {pending.call_id}", code="call_not_pending", param="call_id"
                )
            spec = AgentSpec.from_json(stored.spec)
            served = await asyncio.to_thread(self.agents.for_spec, spec, stored.model)
            run = LiveRun(id=run_id, served=served, durable=True)
            ticket = self._admit(run)
        finally:
            self._claimed.discard(run_id)
        stored.status, stored.decision = "running", "approve" if approve else "deny"
        progress = stored.progress

        def build(run: LiveRun) -> Segment:
            config = served.loop_config(
                cancel=run.cancel.is_set,
                approve=pausing(served.spec.approver()),
                system_extra=stored.system_extra,
                run_timeout=self.settings.run_timeout,
                max_steps=max(1, served.agent.limits.max_steps - progress.steps),
            )
            return Segment(config=config, task=stored.task, history=list(stored.messages), progress=progress, settle=pending, approved=approve)

        return Execution(self, run, ticket, build, stored)

    def _admit(self, run: LiveRun) -> Ticket:
        if self.closing:
            raise errors.closing()
        lane = run.served.lane
        try:
            ticket = lane.admit()
        except QueueFull as full:
            self.metrics.rejected.labels(lane.name).inc()
            raise errors.busy(full.retry_after, f"the model '{run.served.id}'") from None
        self.live[run.id] = run
        return ticket

    # -- ending --------------------------------------------------------------------------------
    def _forget(self, run: LiveRun, ticket: Ticket) -> None:
        ticket.finish()
        if self.live.get(run.id) is run:
            del self.live[run.id]

    def _ended(self, run: LiveRun, ticket: Ticket, future: asyncio.Future[Paused | Finished]) -> None:
        self._forget(run, ticket)
        if future.cancelled() or future.exception() is not None:
            return
        outcome = future.result()
        if isinstance(outcome, Paused):
            self.metrics.paused.labels(run.served.id).inc()
            return
        self.metrics.runs.labels(run.served.id, outcome.result.stop_reason.value).inc()
        if not run.durable and self.settings.recent_runs:
            self.recent[run.id] = (run.served.id, outcome.result)
            while len(self.recent) > self.settings.recent_runs:
                self.recent.popitem(last=False)

    # -- reading -------------------------------------------------------------------------------
    async def view(self, run_id: str) -> dict[str, Any]:
        """What ``GET /v1/runs/{id}`` shows: status, the pending call, the result."""
        live = self.live.get(run_id)
        if live is not None:
            return run_view(run_id, live.served.id, "running")
        if run_id in self.recent:
            model, result = self.recent[run_id]
            return run_view(run_id, model, "finished", result=result)
        stored = await asyncio.to_thread(self.store.load, run_id)
        if stored is None:
            raise errors.ApiError(404, f"no run {run_id} on this server", code="run_not_found", param="run_id")
        status = "interrupted" if stored.status == "running" else stored.status
        pending = stored.pending.model_dump() if stored.pending is not None else None
        return run_view(run_id, stored.model, status, result=stored.result, pending=pending)

    # -- shutting down -------------------------------------------------------------------------
    async def drain(self, grace: float) -> None:
        """Refuse new runs, give in-flight ones ``grace`` seconds, then cancel them and wait for them to stop."""
        self.closing = True
        deadline = time.monotonic() + grace
        while self.live and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.cancel_all()
        deadline = time.monotonic() + 10
        while self.live and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def cancel_all(self) -> None:
        for run in list(self.live.values()):
            run.cancel.set()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def run_view(
    run_id: str, model: str, status: str, *, result: RunResult | None = None, pending: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": run_id,
        "object": "ponder.run",
        "model": model,
        "status": status,
        "pending_approval": pending,
        "result": result.model_dump(mode="json") if result is not None else None,
    }
