"""The Ray executor: jobs run on actors of a Ray cluster, each actor holding its own worker.

Each actor builds its worker once from the driver's recipe (for an eval: the model and the
agent, from the ``AgentSpec`` JSON) and runs up to ``concurrency`` jobs at a time, so a model
is loaded once per actor, never per job. Jobs go to the ready actor with the most free slots;
results stream back as they finish. An actor that dies (killed, out of memory, its node lost)
is replaced, and every job it was running comes back to the driver as ``Lost`` (the driver
runs it once more elsewhere). A job abandoned at its deadline keeps its slot until its late
result arrives; an actor whose every slot is held that way is killed and replaced.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.errors import ExecutorError
from ponder.evals.executors.base import (
    CacheView,
    Completion,
    Crashed,
    Executor,
    Finished,
    Job,
    Lost,
    Workload,
)
from ponder.evals.executors.ray_session import LOCAL, RaySession, connect

if TYPE_CHECKING:
    from ponder.evals.executors.base import WorkerRecipe

STARTUP_TIMEOUT = 300.0
"""Seconds to wait for the actors to start (a cluster may need to find room); after that the run
goes on with those that started, the others joining as they start."""


@dataclass
class _Actor:
    index: int
    handle: Any
    ready_ref: Any
    ready: bool = False
    dead: bool = False
    node: str | None = None
    running: set[str] = field(default_factory=set)
    stuck: set[str] = field(default_factory=set)
    """Jobs the driver abandoned that still hold a slot here."""


class RayExecutor(Executor):
    kind = "ray"

    def __init__(
        self,
        *,
        address: str = LOCAL,
        actors: int | None = None,
        concurrency: int = 1,
        num_cpus: float = 1.0,
        num_gpus: float = 0.0,
        startup_timeout: float = STARTUP_TIMEOUT,
        max_replacements: int | None = None,
    ) -> None:
        if actors is not None and actors < 1:
            raise ExecutorError(f"--ray-actors must be at least 1 (got {actors})", fix="pass --ray-actors 1 or more")
        self.address = address
        self.actors = actors
        self.concurrency = max(1, concurrency)
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self.startup_timeout = startup_timeout
        self.max_replacements = max_replacements
        self.deaths = 0
        self.last_death = ""
        self._session: RaySession | None = None
        self._workload: Workload | None = None
        self._actor_class: Any = None
        self._recipe_ref: Any = None
        self._reader: Any = None
        self._pool: list[_Actor] = []
        self._jobs: dict[Any, tuple[str, _Actor]] = {}
        self._ready_refs: dict[Any, _Actor] = {}
        self._replacements_left = 0

    # -- starting -----------------------------------------------------------------------------
    def start(self, workload: Workload) -> None:
        from ponder.evals.executors.ray_actors import WorkerHost

        self._workload = workload
        wanted = (self.actors or 1) * self.num_cpus
        self._session = session = connect(self.address, cpus_wanted=wanted)
        ray = session.ray
        try:
            count = self.actors or self._default_actors(session)
            self.actors = count
            self._replacements_left = self.max_replacements if self.max_replacements is not None else 2 * count + 2
            recipe: WorkerRecipe = workload.recipe(self)
            self._recipe_ref = ray.put(recipe)
            self._actor_class = ray.remote(WorkerHost).options(
                num_cpus=self.num_cpus, num_gpus=self.num_gpus, max_concurrency=self.concurrency, max_restarts=0
            )
            for _ in range(count):
                self._spawn()
            self._await_actors()
        except BaseException:
            self.close()
            raise

    def _default_actors(self, session: RaySession) -> int:
        """As many as the cluster's CPUs (and GPUs, when asked for) allow; at least one."""
        cluster = session.cluster()
        fits = [cluster["cpus"] / self.num_cpus] if self.num_cpus > 0 else []
        if self.num_gpus > 0:
            fits.append(cluster["gpus"] / self.num_gpus)
        return max(1, int(min(fits))) if fits else 1

    def _spawn(self) -> None:
        handle = self._actor_class.remote(self._recipe_ref)
        actor = _Actor(index=len(self._pool), handle=handle, ready_ref=handle.ready.remote())
        self._pool.append(actor)
        self._ready_refs[actor.ready_ref] = actor

    def _await_actors(self) -> None:
        """Wait until every actor has started, or the startup time is up with at least one started."""
        deadline = time.monotonic() + self.startup_timeout
        while self._ready_refs:
            left = deadline - time.monotonic()
            if left <= 0 and any(a.ready for a in self._pool):
                return  # the others join as they start
            if left <= 0:
                raise ExecutorError(
                    f"no Ray actor started within {self.startup_timeout:.0f}s (each asks for {self.num_cpus:g} CPU"
                    f"{f', {self.num_gpus:g} GPU' if self.num_gpus else ''})",
                    fix="check `ray status` for free resources, or ask for less with --ray-cpus / --ray-gpus",
                )
            self._collect_ready(min(left, 1.0), strict=True)
        if not any(a.ready for a in self._pool):
            raise ExecutorError(
                f"every Ray actor died while starting (the last: {self.last_death})",
                fix="install Ponder on every node of the cluster; see the actors' logs (`ray logs`)",
            )

    def _collect_ready(self, timeout: float, *, strict: bool) -> None:
        """Take in actors that finished starting; ``strict``: an actor that failed to build is an error."""
        ray = self._ray()
        if not self._ready_refs:
            return
        done, _ = ray.wait(list(self._ready_refs), num_returns=1, timeout=timeout)
        if done:
            done, _ = ray.wait(list(self._ready_refs), num_returns=len(self._ready_refs), timeout=0)
        for ref in done:
            actor = self._ready_refs.pop(ref)
            try:
                description = ray.get(ref)
            except ray.exceptions.RayActorError as exc:
                self._bury(actor, _reason(exc))
                continue
            failure = description.get("failure")
            if failure:
                self._bury(actor, failure["error"], replace=False)
                if strict or not any(a.ready for a in self._pool):
                    raise ExecutorError(f"a Ray actor could not start: {failure['error']}", fix=failure["fix"] or "see the error")
                continue
            assert self._workload is not None
            self._workload.check_worker(description)
            actor.ready = True
            actor.node = description.get("node")

    # -- running ------------------------------------------------------------------------------
    def free_slots(self) -> int:
        return sum(self._free(a) for a in self._pool if a.ready and not a.dead)

    def submit(self, job: Job) -> None:
        candidates = [a for a in self._pool if a.ready and not a.dead and self._free(a) > 0]
        if not candidates:
            raise ExecutorError("no free Ray actor for a job", fix="this is a bug in Ponder: submit only while free_slots() > 0")
        actor = max(candidates, key=self._free)
        ref = actor.handle.run.remote(job.payload)
        actor.running.add(job.key)
        self._jobs[ref] = (job.key, actor)

    def wait(self, timeout: float) -> list[Completion]:
        ray = self._ray()
        if not self._jobs:
            if self._ready_refs:
                self._collect_ready(timeout, strict=False)
            self._check_alive()
            return []
        refs = [*self._jobs, *self._ready_refs]
        done, _ = ray.wait(refs, num_returns=1, timeout=max(0.0, timeout))
        if not done:
            return []
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        if any(ref in self._ready_refs for ref in done):
            self._collect_ready(0, strict=False)
        ended: list[Completion] = []
        for ref in done:
            if ref not in self._jobs:
                continue  # an actor that became ready
            key, actor = self._jobs.pop(ref)
            completion = self._completion(ray, ref, key, actor)
            late = key in actor.stuck
            actor.stuck.discard(key)
            actor.running.discard(key)
            if not late:
                ended.append(completion)
        self._check_alive()
        return ended

    def _completion(self, ray: Any, ref: Any, key: str, actor: _Actor) -> Completion:
        try:
            return Finished(key, ray.get(ref))
        except ray.exceptions.RayActorError as exc:
            self._bury(actor, _reason(exc))
            return Lost(key, f"Ray actor {actor.index} died: {_reason(exc)}")
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause if isinstance(getattr(exc, "cause", None), BaseException) else exc
            return Crashed(key, f"crash: {type(cause).__name__}: {cause}")

    def abandon(self, key: str) -> None:
        for actor in self._pool:
            if key in actor.running:
                actor.running.discard(key)
                actor.stuck.add(key)
                if not actor.dead and not actor.running and len(actor.stuck) >= self.concurrency:
                    self._ray().kill(actor.handle, no_restart=True)  # every slot hung: free them all
                    self._bury(actor, "every job it ran overran the deadline")
                return

    def actor_for(self, key: str) -> Any:
        """The handle of the actor running job ``key`` (for an operator's ``ray.kill``), or None."""
        return next((a.handle for a in self._pool if key in a.running and not a.dead), None)

    def live_workers(self) -> int:
        return sum(1 for a in self._pool if a.ready and not a.dead)

    def _free(self, actor: _Actor) -> int:
        return self.concurrency - len(actor.running) - len(actor.stuck)

    def _bury(self, actor: _Actor, reason: str, *, replace: bool = True) -> None:
        """An actor is gone: forget it, and start another in its place while the budget lasts."""
        if actor.dead:
            return
        actor.dead = True
        self.deaths += 1
        self.last_death = reason
        self._ready_refs.pop(actor.ready_ref, None)
        with contextlib.suppress(Exception):  # already gone
            self._ray().kill(actor.handle, no_restart=True)
        if replace and self._replacements_left > 0:
            self._replacements_left -= 1
            self._spawn()

    def _check_alive(self) -> None:
        if not any(not a.dead for a in self._pool):
            raise ExecutorError(
                f"no Ray actor is left ({self.deaths} died, none may replace them; the last: {self.last_death})",
                fix="see the actors' logs (`ray logs`), then continue with --resume",
            )

    # -- describing and stopping -------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "executor": self.kind,
            "address": self.address,
            "actors": self.actors,
            "concurrency_per_actor": self.concurrency,
            "actor_resources": {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus},
        }
        if self._session is not None:
            info["cluster"] = self._session.cluster()
            info["nodes_used"] = len({a.node for a in self._pool if a.ready and not a.dead})
            info["ray_version"] = getattr(self._session.ray, "__version__", "unknown")
        return info

    def cache_view(self, path: Path) -> CacheView:
        """``DriverServices``: the driver's cache, read on the driver's node by one small actor."""
        from ponder.evals.executors.ray_actors import CacheReader, RemoteCacheView

        ray = self._ray()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        assert self._session is not None
        here = NodeAffinitySchedulingStrategy(node_id=self._session.node_id(), soft=False)
        reader_class = ray.remote(CacheReader).options(num_cpus=0, max_concurrency=16, scheduling_strategy=here)
        self._reader = reader_class.remote(str(path))
        return RemoteCacheView(self._reader)

    def close(self) -> None:
        if self._session is None:
            return
        ray = self._session.ray
        for handle in [a.handle for a in self._pool if not a.dead] + ([self._reader] if self._reader is not None else []):
            with contextlib.suppress(Exception):  # already gone
                ray.kill(handle, no_restart=True)
        self._pool.clear()
        self._jobs.clear()
        self._ready_refs.clear()
        self._reader = None
        self._session.close()
        self._session = None

    def _ray(self) -> Any:
        assert self._session is not None, "start() first"
        return self._session.ray


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:299] + "…"
