"""``evaluate``: run a suite end to end (model, cache, log, runner, report) in one call.

The CLI is a thin layer over this; benchmarks and notebooks call it directly.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.evals.cache import DEFAULT_CACHE_DIR, CacheStore
from ponder.evals.manifest import build_manifest
from ponder.evals.records import CaseRecord, ResultsLog, read_log
from ponder.evals.report import Report, build_report
from ponder.evals.runner import EvalRunner, RunnerEvent, RunOptions

if TYPE_CHECKING:
    from collections.abc import Callable

    from ponder.backends.base import Backend
    from ponder.backends.selection import ModelChoice
    from ponder.evals.executors.base import Executor
    from ponder.evals.suite import Suite


def default_concurrency(backend: Backend) -> int:
    """One in-process model generates one reply at a time; remote servers take several."""
    return 1 if backend.provider == "local" else 4


def choose_model(suite: Suite, flag: str | None = None) -> ModelChoice:
    """Which model a suite runs on and why: ``flag`` (--model), else the suite's agent's, else the
    usual choice (PONDER_MODEL, ponder.toml, auto)."""
    from ponder.backends.selection import ModelChoice, select_model

    if flag:
        return ModelChoice(flag, "--model")
    if suite.agent.model:
        return ModelChoice(suite.agent.model, f"the suite's model ({suite.source})")
    return select_model()


def resolve_model(suite: Suite, model: str | Backend | None) -> Backend:
    """The backend a suite runs on: ``model`` (a flag or a backend), else the suite's own, else the usual choice."""
    from ponder.backends.base import Backend

    if isinstance(model, Backend):
        return model
    if model is None and suite.backend is not None:
        return suite.backend
    chosen = choose_model(suite, model).spec
    return suite.agent.merged(model=chosen).resolve_backend()


def evaluate(
    suite: Suite,
    *,
    model: str | Backend | None = None,
    repeat: int | None = None,
    concurrency: int | None = None,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    replay_runs: bool = True,
    out: Path | None = None,
    resume: bool = False,
    judge_model: str | Backend | None = None,
    on_event: Callable[[RunnerEvent], None] | None = None,
    argv: list[str] | None = None,
    executor: Executor | None = None,
) -> Report:
    """Run ``suite`` and return its report. ``cache_dir=None`` disables the cache; ``out`` keeps a JSONL log.

    ``executor`` runs the cases (default: threads here, ``concurrency`` at once; a ``RayExecutor``
    runs them on Ray actors); the records, cache and report are written here either way."""
    backend = resolve_model(suite, model)
    store = CacheStore.in_dir(cache_dir) if cache_dir is not None else None
    repeats = repeat or suite.repeat
    judge_name = judge_model if isinstance(judge_model, str | None) else judge_model.name
    mode = "off" if store is None else ("runs+responses" if replay_runs else "responses")
    log = ResultsLog(out) if out is not None else None
    options = RunOptions(
        repeat=repeats,
        concurrency=concurrency or default_concurrency(backend),
        executor=executor,
        cache=store,
        replay_runs=replay_runs,
        judge_model=judge_model,
    )
    started = time.perf_counter()
    runner = EvalRunner(suite, backend, options=options, log=log, on_event=on_event)
    try:
        if runner.needs_workers(_finished_in(out) if resume else None):
            runner.start()  # a Ray cluster is joined now, so that the manifest can say how large it is
        manifest = build_manifest(
            suite, backend, repeat=repeats, cache=mode, judge=judge_name or suite.judge_model, argv=argv,
            executor=runner.executor.describe(),
        )  # fmt: skip
        done = log.start(manifest, resume=resume) if log is not None else {}
        records = runner.run(done)
    finally:
        runner.close()
        if log is not None:
            log.close()
        if store is not None:
            store.close()
    return build_report(manifest, records, wall_seconds=time.perf_counter() - started)


def _finished_in(out: Path | None) -> dict[str, CaseRecord]:
    """The records of an earlier run that ``--resume`` will keep (read again, and checked, by the log)."""
    if out is None or not out.is_file():
        return {}
    return read_log(out).records
