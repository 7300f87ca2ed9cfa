"""The runner: every case × repeat on its own ``Agent``, a bounded number at a time.

The runner is the driver: it plans the jobs, replays unchanged ones from the cache before
dispatching anything, hands the rest to an executor (threads here by default, or Ray actors:
``ponder.evals.executors``), enforces a hard per-job deadline, and alone appends each record
to the log and writes the cache as results arrive. Nothing a case does ends the run: backend
failures and crashes become ``error`` records, kept apart from failures; a job that overruns
its hard deadline is recorded as an error and abandoned; a job whose worker process died is
run once more on another worker, then recorded as an error.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ponder.errors import PonderError
from ponder.evals.cache import CacheTables, CachingBackend
from ponder.evals.executors.base import Completion, Crashed, Executor, Finished, Job
from ponder.evals.fingerprints import RunKeyer, backend_identity, jsonable
from ponder.evals.grading import GradeContext
from ponder.evals.records import CaseRecord, GradeRecord, ResultsLog, Status, job_key, trajectory_fields
from ponder.evals.sources import knowledge_tools

if TYPE_CHECKING:
    from ponder.agents.result import RunResult
    from ponder.agents.spec import AgentSpec
    from ponder.backends.base import Backend
    from ponder.evals.executors.base import DriverServices
    from ponder.evals.remote import EvalWorkerRecipe
    from ponder.evals.suite import Case, Suite
    from ponder.tools.base import Tool

KNOWLEDGE_TAG = "knowledge"


@dataclass(frozen=True)
class RunPlanned:
    to_run: int
    """Jobs this call will run (skipped cases included)."""
    already_done: int
    """Records carried over from an earlier, resumed run."""


@dataclass(frozen=True)
class JobStarted:
    key: str


@dataclass(frozen=True)
class JobFinished:
    record: CaseRecord


@dataclass(frozen=True)
class JobRetried:
    """The worker running ``key`` died; the job runs once more on another worker."""

    key: str
    reason: str


@dataclass(frozen=True)
class WorkersChanged:
    """The number of live workers (Ray actors) changed."""

    live: int


RunnerEvent = RunPlanned | JobStarted | JobFinished | JobRetried | WorkersChanged


@dataclass
class EvalOutcome:
    """What a worker hands back for one job: the record, and what the driver should store."""

    record: CaseRecord
    run: RunResult | None = None
    """The whole run, when a remote worker made it and it may be replayed later (the driver keys it)."""
    cache_writes: list[tuple[str, str, str]] | None = None
    """(table, key, value) rows a remote worker would have written to the cache."""


@dataclass(kw_only=True)
class RunOptions:
    repeat: int | None = None
    """Runs per case; default: the suite's ``repeat``."""
    concurrency: int = 4
    """Runs at once (with the default, local executor)."""
    executor: Executor | None = None
    """What runs the jobs; default: ``LocalExecutor(concurrency)``, threads in this process."""
    cache: CacheTables | None = None
    replay_runs: bool = True
    """With a cache, replay a whole unchanged run instead of re-running its loop and tools."""
    judge_model: str | Backend | None = None
    hard_timeout: float | None = None
    """Seconds before a job is abandoned; default: derived from the suite's run_timeout."""


def select_cases(suite: Suite, *, ids: list[str] | None = None, tags: list[str] | None = None, skip_tags: list[str] | None = None) -> Suite:
    """The suite restricted to some case ids and tags (``skip_tags`` wins)."""
    cases = [
        c
        for c in suite.cases
        if (not ids or c.id in ids)
        and (not tags or set(tags) & set(c.tags))
        and not (skip_tags and set(skip_tags) & set(c.tags))
    ]
    return replace(suite, cases=cases)


class EvalRunner:
    def __init__(
        self,
        suite: Suite,
        backend: Backend,
        *,
        options: RunOptions | None = None,
        log: ResultsLog | None = None,
        on_event: Callable[[RunnerEvent], None] | None = None,
    ) -> None:
        self.suite = suite
        self.backend = backend
        self.options = options or RunOptions()
        self.repeat = self.options.repeat or suite.repeat
        self.log = log
        self.on_event = on_event
        self.cache = self.options.cache
        self.identity = backend_identity(backend)
        self._keyer = RunKeyer(backend) if self.cache is not None and self.options.replay_runs else None
        self.executor: Executor = self.options.executor or _local_executor(self.options.concurrency)
        self._started = False
        self._live_workers: int | None = None
        self._needs_worker: set[str] = set()
        self._judges: dict[str | None, Backend] = {}
        self._judge_lock = threading.Lock()
        self._knowledge: list[Tool] = []
        self._knowledge_missing: str | None = None
        if suite.knowledge:
            found = knowledge_tools(suite.knowledge)
            if found is None:
                self._knowledge_missing = f"knowledge base '{suite.knowledge}' is not available (build it with `ponder index`)"
            else:
                self._knowledge = found

    # -- the plan ---------------------------------------------------------------------------
    def jobs(self, done: dict[str, CaseRecord] | None = None) -> list[tuple[Case, int]]:
        finished = {k for k, r in (done or {}).items() if r.status != "error"}
        return [(c, r) for c in self.suite.cases for r in range(self.repeat) if job_key(c.id, r) not in finished]

    def hard_timeout(self) -> float | None:
        if self.options.hard_timeout is not None:
            return self.options.hard_timeout
        t = self.suite.agent.limits.run_timeout
        return None if t is None else t + max(10.0, 0.25 * t) + 60.0

    # -- the run ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the executor (connect to Ray, start its actors) before ``run``; idempotent."""
        if not self._started:
            self.executor.start(self)
            self._started = True

    def close(self) -> None:
        if self._started:
            self._started = False
            self.executor.close()

    def run(self, done: dict[str, CaseRecord] | None = None) -> list[CaseRecord]:
        """Run what is not done yet; returns every record (earlier ones included), in suite order."""
        records: dict[str, CaseRecord] = {k: r for k, r in (done or {}).items() if r.status != "error"}
        pending = deque(Job(job_key(c.id, r), (c, r)) for c, r in self.jobs(done))
        self._emit(RunPlanned(to_run=len(pending), already_done=len(records)))
        running: dict[str, tuple[float, Job]] = {}
        limit = self.hard_timeout()
        try:
            while pending or running:
                self._dispatch(pending, running, records, limit)
                if not pending and not running:
                    break
                deadlines = [d for d, _ in running.values()]
                wait = min(deadlines) - time.monotonic() if deadlines else 1.0
                for ended in self.executor.wait(min(1.0, max(0.005, wait))):
                    entry = running.pop(ended.key, None)
                    if entry is not None:  # else: abandoned earlier, its late result is dropped
                        self._collect(ended, entry[1], pending, records)
                self._abandon_overdue(running, records, limit)
                self._note_workers()
        finally:
            self.close()
        order = {job_key(c.id, r): i for i, (c, r) in enumerate((c, r) for c in self.suite.cases for r in range(self.repeat))}
        return sorted(records.values(), key=lambda rec: order.get(rec.key, len(order)))

    def needs_workers(self, done: dict[str, CaseRecord] | None = None) -> bool:
        """Whether any job left must run (neither skipped nor replayed whole from the cache)."""
        return any(self._skip_reason(c) is None and not self._replayable(c, r) for c, r in self.jobs(done))

    def _dispatch(self, pending: deque[Job], running: dict[str, tuple[float, Job]], records: dict[str, CaseRecord], limit: float | None) -> None:
        """Hand jobs to the executor while it has room; skipped and replayed ones need no worker.

        The executor is started at the first job that needs one: a rerun replayed whole never starts it."""
        while pending:
            job = pending[0]
            case, r = job.payload
            if job.key not in self._needs_worker:
                pending.popleft()
                skip = self._skip_reason(case)
                if skip:
                    self._finish(records, self._record(case, r, None, status="skipped", error=None, reason=skip))
                    continue
                replayed = self.replay(case, r)
                if replayed is not None:  # an unchanged run: graded here, no worker needed
                    self._finish(records, replayed)
                    continue
                self._needs_worker.add(job.key)
                pending.appendleft(job)
            self.start()
            self._note_workers()
            if self.executor.free_slots() <= 0:
                return
            pending.popleft()
            running[job.key] = (time.monotonic() + limit if limit else float("inf"), job)
            self._emit(JobStarted(job.key))
            self.executor.submit(job)

    def _collect(self, ended: Completion, job: Job, pending: deque[Job], records: dict[str, CaseRecord]) -> None:
        """A job ended on its worker: record it, or run it once more if its worker died."""
        case, r = job.payload
        if isinstance(ended, Finished):
            self._finish(records, self._accept(case, r, ended.outcome))
        elif isinstance(ended, Crashed):
            self._finish(records, self._record(case, r, None, status="error", error=ended.error))
        elif job.attempt == 0:
            self._emit(JobRetried(job.key, ended.reason))
            pending.appendleft(Job(job.key, job.payload, attempt=1))
        else:
            message = f"its worker died twice ({ended.reason}); not retried again"
            self._finish(records, self._record(case, r, None, status="error", error=message))

    def _skip_reason(self, case: Case) -> str | None:
        return case.skip or (self._knowledge_missing if KNOWLEDGE_TAG in case.tags else None)

    def _accept(self, case: Case, r: int, outcome: EvalOutcome) -> CaseRecord:
        """A worker's outcome: what it made is stored here, by the driver alone."""
        if self.cache is not None:
            for table, key, value in outcome.cache_writes or ():
                self.cache.put(table, key, value)
            if outcome.run is not None:
                self.store_run(case, r, outcome.run)
        return outcome.record

    def _note_workers(self) -> None:
        live = self.executor.live_workers()
        if live is not None and live != self._live_workers:
            self._live_workers = live
            self._emit(WorkersChanged(live))

    def _abandon_overdue(self, running: dict[str, tuple[float, Job]], records: dict[str, CaseRecord], limit: float | None) -> None:
        """Record overdue jobs as errors; the executor frees their slots."""
        now = time.monotonic()
        for key, (deadline, job) in list(running.items()):
            if deadline <= now:
                del running[key]
                self.executor.abandon(key)
                case, r = job.payload
                message = f"did not finish within {limit or 0:.0f}s (hard limit); abandoned"
                self._finish(records, self._record(case, r, None, status="error", error=message))

    # -- the workload, as an executor sees it -----------------------------------------------
    def run_here(self, payload: tuple[Case, int]) -> EvalOutcome:
        """One job in this process (the local executor's threads)."""
        case, r = payload
        return EvalOutcome(self.run_live(case, r))

    def recipe(self, services: DriverServices) -> EvalWorkerRecipe:
        """How a Ray actor builds its own runner for these jobs; see ``ponder.evals.remote``."""
        from ponder.evals.remote import recipe_for

        return recipe_for(self, services)

    def check_worker(self, description: dict[str, Any]) -> None:
        from ponder.evals.remote import check_worker

        check_worker(self, description)

    def _finish(self, records: dict[str, CaseRecord], record: CaseRecord) -> None:
        records[record.key] = record
        if self.log is not None:
            self.log.append(record)
        self._emit(JobFinished(record))

    def _emit(self, event: RunnerEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    # -- one job (worker thread) ------------------------------------------------------------
    def run_case(self, case: Case, r: int) -> CaseRecord:
        """One case × repeat: replayed from the cache when unchanged, else run live."""
        return self.replay(case, r) or self.run_live(case, r)

    def job_spec(self, case: Case, r: int) -> tuple[AgentSpec, list[Tool]]:
        """The agent one case × repeat runs: the suite's spec with the case's changes, and its live tools."""
        spec = self.suite.agent
        live = self.suite.tools
        changes: dict[str, Any] = {"model": self.backend.name, "system_prompt": case.system_prompt}
        if spec.seed is not None:
            changes["seed"] = spec.seed + r
        if case.tool_names is not None:
            changes["tools"], live = case.tool_names, []
        if case.tools is not None:
            changes["tools"], live = [], case.tools
        if case.output_type is not None:
            changes["output_type"] = case.output_type
        return spec.merged(**changes), [*live, *self._knowledge]

    def _setup(self, case: Case, r: int) -> tuple[AgentSpec, list[Tool], str | None]:
        """(spec, live tools, run key) of a job."""
        spec, live = self.job_spec(case, r)
        key = None
        if self._keyer is not None:
            task = case.input if not case.turns else json.dumps([case.input, *case.turns])
            key = self._keyer.key(spec=spec, tools=[*spec.resolve_tools(), *live], task=task, repeat=r)
        return spec, live, key

    def _replayable(self, case: Case, r: int) -> bool:
        if self._keyer is None or self.cache is None:
            return False
        key = self._setup(case, r)[2]
        return key is not None and self.cache.get("runs", key) is not None

    def replay(self, case: Case, r: int) -> CaseRecord | None:
        """The graded record of a stored run with the same key, or None."""
        from ponder.agents.result import RunResult

        if self._keyer is None or self.cache is None:
            return None
        key = self._setup(case, r)[2]
        raw = self.cache.get("runs", key) if key else None
        if raw is None:
            return None
        try:
            result = RunResult.model_validate_json(raw)
        except ValueError:  # a row from an older format: run it again
            return None
        return self._record(case, r, result, status=None, error=None, grades=self.grade(case, result), cached="run")

    def run_live(self, case: Case, r: int) -> CaseRecord:
        record, run = self.run_fresh(case, r)
        if run is not None:
            self.store_run(case, r, run)
        return record

    def run_fresh(self, case: Case, r: int) -> tuple[CaseRecord, RunResult | None]:
        """Run the job's agent (never replayed whole): its record, and the run when it may be replayed later."""
        from ponder.agents.result import StopReason

        spec, live = self.job_spec(case, r)
        backend: Backend = self.backend
        if self.cache is not None:
            backend = CachingBackend(self.backend, self.cache, repeat=r, identity=self.identity)
        result, error = self._run_agent(spec, backend, live, case)
        cached = "no"
        if isinstance(backend, CachingBackend):
            cached = "no" if not backend.hits else ("responses" if not backend.misses else "partly")
        if error is not None or result is None:
            return self._record(case, r, result, status="error", error=error or "the run returned no result", cached=cached), None
        storable = result.stop_reason not in (StopReason.TIMEOUT, StopReason.ERROR)
        record = self._record(case, r, result, status=None, error=None, grades=self.grade(case, result), cached=cached)
        return record, result if storable else None

    def store_run(self, case: Case, r: int, run: RunResult) -> None:
        """Keep a whole run for replay, under this process's key for the job (a no-op without replay)."""
        key = self._setup(case, r)[2]
        if key and self.cache is not None:
            self.cache.put("runs", key, run.model_dump_json())

    def _run_agent(
        self, spec: AgentSpec, backend: Backend, tools: list[Tool], case: Case
    ) -> tuple[RunResult | None, str | None]:
        try:
            # the suite chose these tools: every call is approved
            agent = spec.build(backend=backend, tools=tools, approve=lambda tool, arguments: True)
            if not case.turns:
                return agent.run(case.input), None
            # a conversation: each user turn in one session, graded on the whole of it
            return merge_turns([agent.chat(message) for message in (case.input, *case.turns)]), None
        except PonderError as exc:
            return getattr(exc, "result", None), f"{type(exc).__name__}: {exc}"
        except Exception as exc:
            return None, f"crash: {type(exc).__name__}: {exc} at {_where(exc)}"

    def grade(self, case: Case, result: RunResult) -> list[GradeRecord]:
        ctx = GradeContext(case=case, result=result, judge=self.judge)
        grades = []
        for grader in case.graders:
            try:
                outcome = grader.grade(ctx)
                grades.append(GradeRecord(grader=grader.label(), passed=outcome.passed, score=outcome.score, reason=outcome.reason))
            except Exception as exc:
                grades.append(GradeRecord(grader=grader.label(), error=f"{type(exc).__name__}: {exc}"))
        return grades

    def judge(self, spec: str | None) -> Backend:
        """The judge backend for ``spec`` (resolved once, cached like the model under test)."""
        with self._judge_lock:
            if spec not in self._judges:
                chosen = spec or self.options.judge_model or self.suite.judge_model
                if chosen is None:
                    backend = self.backend
                elif isinstance(chosen, str):
                    from ponder.backends.registry import resolve_backend

                    backend = resolve_backend(chosen)
                else:
                    backend = chosen
                self._judges[spec] = CachingBackend(backend, self.cache) if self.cache is not None else backend
            return self._judges[spec]

    def _record(
        self,
        case: Case,
        r: int,
        result: RunResult | None,
        *,
        status: Status | None,
        error: str | None,
        grades: list[GradeRecord] | None = None,
        cached: str = "no",
        reason: str | None = None,
    ) -> CaseRecord:
        status = status or status_of(grades or [])
        scored = [g.score for g in grades or [] if g.passed is not None and g.score is not None]
        data: dict[str, Any] = {
            "key": job_key(case.id, r),
            "case": case.id,
            "repeat": r,
            "status": status,
            "tags": list(case.tags),
            "input": case.input,
            "expected": jsonable(case.expected),
            "grades": grades or [],
            "score": sum(scored) / len(scored) if scored else None,
            "error": error if status == "error" else reason,
            "cached": cached,
        }
        if result is not None:
            # the whole trajectory (step texts, tool calls with results and seconds), bounded: records.py
            data.update(trajectory_fields(result))
        return CaseRecord.model_validate(data)


def _local_executor(concurrency: int) -> Executor:
    from ponder.evals.executors.local import LocalExecutor

    return LocalExecutor(concurrency)


def merge_turns(results: list[RunResult]) -> RunResult:
    """One result for a conversation: the last turn's answer and stop reason, every turn's calls,
    steps, usage and time (steps and calls numbered across the turns)."""
    from ponder.usage import Usage

    usage = Usage()
    trajectory, records = [], []
    steps = 0
    for result in results:
        usage.add(result.usage)
        trajectory += [c.model_copy(update={"step": c.step + steps}) for c in result.trajectory]
        records += [s.model_copy(update={"step": s.step + steps}) for s in result.step_records]
        steps += result.steps
    last = results[-1]
    return last.model_copy(
        update={
            "task": results[0].task,
            "steps": steps,
            "trajectory": trajectory,
            "step_records": records,
            "usage": usage,
            "seconds": sum(r.seconds for r in results),
        }
    )


def status_of(grades: list[GradeRecord]) -> Status:
    if any(g.error for g in grades):
        return "error"
    scored = [g for g in grades if g.passed is not None]
    if not scored:
        return "unscored"
    return "pass" if all(g.passed for g in scored) else "fail"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
