"""The runner: every case × repeat on its own ``Agent``, a bounded number at a time.

Work runs in daemon threads (``Agent.run`` is synchronous; one agent per job keeps them
independent) while the calling thread hands out jobs, enforces a hard per-job deadline,
appends each record to the log as it arrives and reports progress. Nothing a case does
ends the run: backend failures and crashes become ``error`` records, kept apart from
failures; a job that overruns its hard deadline is recorded as an error and abandoned.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ponder.errors import PonderError
from ponder.evals.cache import CacheStore, CachingBackend
from ponder.evals.fingerprints import RunKeyer, backend_identity, jsonable
from ponder.evals.grading import GradeContext
from ponder.evals.records import CallRecord, CaseRecord, GradeRecord, ResultsLog, Status, job_key
from ponder.evals.sources import knowledge_tools

if TYPE_CHECKING:
    from ponder.agents.result import RunResult
    from ponder.agents.spec import AgentSpec
    from ponder.backends.base import Backend
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


RunnerEvent = RunPlanned | JobStarted | JobFinished


@dataclass(kw_only=True)
class RunOptions:
    repeat: int | None = None
    """Runs per case; default: the suite's ``repeat``."""
    concurrency: int = 4
    cache: CacheStore | None = None
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
        self._abandoned: set[str] = set()
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
    def run(self, done: dict[str, CaseRecord] | None = None) -> list[CaseRecord]:
        """Run what is not done yet; returns every record (earlier ones included), in suite order."""
        records: dict[str, CaseRecord] = {k: r for k, r in (done or {}).items() if r.status != "error"}
        pending = deque(self.jobs(done))
        self._emit(RunPlanned(to_run=len(pending), already_done=len(records)))
        inbox: queue.Queue[tuple[Case, int] | None] = queue.Queue()
        results: queue.Queue[tuple[str, CaseRecord]] = queue.Queue()
        running: dict[str, tuple[float, Case, int]] = {}
        limit = self.hard_timeout()
        width = max(1, self.options.concurrency)
        workers = 0
        try:
            while pending or running:
                while pending and len(running) < width:
                    case, r = pending.popleft()
                    key = job_key(case.id, r)
                    skip = case.skip or (self._knowledge_missing if KNOWLEDGE_TAG in case.tags else None)
                    if skip:
                        self._finish(records, self._record(case, r, None, status="skipped", error=None, reason=skip))
                        continue
                    replayed = self.replay(case, r)
                    if replayed is not None:  # an unchanged run: graded here, no worker needed
                        self._finish(records, replayed)
                        continue
                    if workers < min(width, len(running) + 1):
                        self._start_worker(inbox, results)
                        workers += 1
                    running[key] = (time.monotonic() + limit if limit else float("inf"), case, r)
                    self._emit(JobStarted(key))
                    inbox.put((case, r))
                if not running:
                    continue
                wait = min(d for d, _, _ in running.values()) - time.monotonic()
                try:
                    key, record = results.get(timeout=min(1.0, max(0.005, wait)))
                except queue.Empty:
                    workers -= self._abandon_overdue(running, records, limit)
                    continue
                if running.pop(key, None) is not None:  # else: abandoned earlier, its late result is dropped
                    self._finish(records, record)
        finally:
            for _ in range(workers):
                inbox.put(None)
        order = {job_key(c.id, r): i for i, (c, r) in enumerate((c, r) for c in self.suite.cases for r in range(self.repeat))}
        return sorted(records.values(), key=lambda rec: order.get(rec.key, len(order)))

    def _start_worker(self, inbox: queue.Queue[tuple[Case, int] | None], results: queue.Queue[tuple[str, CaseRecord]]) -> None:
        def work() -> None:
            while (job := inbox.get()) is not None:
                case, r = job
                key = job_key(case.id, r)
                try:
                    record = self.run_live(case, r)
                except BaseException as exc:  # a bug in Ponder must not lose the job either
                    record = self._record(case, r, None, status="error", error=f"crash: {type(exc).__name__}: {exc}")
                results.put((key, record))
                if key in self._abandoned:
                    return  # a replacement worker took this one's place while it overran

        threading.Thread(target=work, name="ponder-eval-worker", daemon=True).start()

    def _abandon_overdue(self, running: dict[str, tuple[float, Case, int]], records: dict[str, CaseRecord], limit: float | None) -> int:
        """Record overdue jobs as errors; their workers are written off (and replaced as needed)."""
        now = time.monotonic()
        gone = 0
        for key, (deadline, case, r) in list(running.items()):
            if deadline <= now:
                del running[key]
                self._abandoned.add(key)
                gone += 1
                message = f"did not finish within {limit or 0:.0f}s (hard limit); abandoned"
                self._finish(records, self._record(case, r, None, status="error", error=message))
        return gone

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
            key = self._keyer.key(spec=spec, tools=[*spec.resolve_tools(), *live], task=case.input, repeat=r)
        return spec, live, key

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
        from ponder.agents.result import StopReason

        spec, live, key = self._setup(case, r)
        backend: Backend = self.backend
        if self.cache is not None:
            backend = CachingBackend(self.backend, self.cache, repeat=r, identity=self.identity)
        result, error = self._run_agent(spec, backend, live, case.input)
        cached = "no"
        if isinstance(backend, CachingBackend):
            cached = "no" if not backend.hits else ("responses" if not backend.misses else "partly")
        if error is not None or result is None:
            return self._record(case, r, result, status="error", error=error or "the run returned no result", cached=cached)
        if key and self.cache and result.stop_reason not in (StopReason.TIMEOUT, StopReason.ERROR):
            self.cache.put("runs", key, result.model_dump_json())
        return self._record(case, r, result, status=None, error=None, grades=self.grade(case, result), cached=cached)

    def _run_agent(
        self, spec: AgentSpec, backend: Backend, tools: list[Tool], task: str
    ) -> tuple[RunResult | None, str | None]:
        try:
            # the suite chose these tools: every call is approved
            agent = spec.build(backend=backend, tools=tools, approve=lambda tool, arguments: True)
            return agent.run(task), None
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
            data.update(
                answer=result.answer,
                stop_reason=result.stop_reason.value,
                steps=result.steps,
                tool_calls=[CallRecord(name=c.name, arguments=c.arguments, ok=c.ok, output=c.output[:500]) for c in result.trajectory],
                prompt_tokens=result.usage.prompt_tokens,
                completion_tokens=result.usage.completion_tokens,
                model_calls=result.usage.model_calls,
                seconds=round(result.seconds, 4),
            )
        return CaseRecord.model_validate(data)


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
