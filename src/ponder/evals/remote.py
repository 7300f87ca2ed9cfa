"""The eval runner's jobs in another process: what a Ray actor builds once and runs cases with.

The driver sends a recipe: the suite without its cases, the agent under test as ``AgentSpec``
JSON (its ``model`` names the model, which the actor builds itself: an embedded model or an
SDK client is loaded once per actor, never shipped), the judge model's name, the driver's
working directory, and a read-only view of the driver's cache. The actor builds its own
``EvalRunner`` from that and runs the cases it is sent (each case travels with its tools and
graders). It never writes: the run and the cache rows it made go back to the driver with the
record. Before sending any case the driver checks that the actor's model has the very identity
its own has (same name, code, settings and endpoint), so records and cache keys are the same
as in a local run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ponder.errors import ExecutorError

if TYPE_CHECKING:
    from ponder.evals.executors.base import CacheView, DriverServices
    from ponder.evals.runner import EvalOutcome, EvalRunner
    from ponder.evals.suite import Case, Suite


@dataclass
class EvalWorkerRecipe:
    suite: Suite
    """The suite without cases or backend (cases come one at a time)."""
    agent_json: str
    """``AgentSpec.to_json()`` of the agent under test, with the model the driver runs."""
    judge_model: str | None
    cache: CacheView | None
    cwd: str
    """The driver's working directory: relative paths mean the same in the actor where it exists."""

    def build(self) -> EvalWorker:
        return EvalWorker(self)


def recipe_for(runner: EvalRunner, services: DriverServices) -> EvalWorkerRecipe:
    from pathlib import Path

    from ponder.backends.base import Backend

    judge = runner.options.judge_model
    store_path: Path | None = getattr(runner.cache, "path", None)
    return EvalWorkerRecipe(
        suite=replace(runner.suite, cases=[], backend=None),
        agent_json=runner.suite.agent.merged(model=runner.backend.name).to_json(),
        judge_model=judge.name if isinstance(judge, Backend) else judge,
        cache=services.cache_view(store_path.resolve()) if store_path is not None else None,
        cwd=os.getcwd(),
    )


class EvalWorker:
    """One actor's runner: its own model and agent, the driver's suite, cases sent one at a time."""

    def __init__(self, recipe: EvalWorkerRecipe) -> None:
        from ponder.agents.spec import AgentSpec
        from ponder.evals.runner import EvalRunner, RunOptions

        if os.path.isdir(recipe.cwd):
            os.chdir(recipe.cwd)
        spec = AgentSpec.from_json(recipe.agent_json)
        try:
            backend = spec.resolve_backend()
        except Exception as exc:
            raise ExecutorError(
                f"a Ray actor cannot build the model '{spec.model}': {exc}",
                fix="name the model as provider:model that every node can build (a model built in Python "
                "does not travel), or use --executor local",
            ) from None
        suite = replace(recipe.suite, agent=spec)
        self.cache = recipe.cache
        options = RunOptions(cache=recipe.cache, replay_runs=False, judge_model=recipe.judge_model)
        self.runner = EvalRunner(suite, backend, options=options)
        # the agent this actor runs, built once here: a spec that cannot be built fails now, not per case
        spec.build(backend=backend, tools=suite.tools, approve=lambda tool, arguments: True)

    def describe(self) -> dict[str, Any]:
        from ponder.evals.fingerprints import backend_identity, jsonable

        return {
            "identity": jsonable(backend_identity(self.runner.backend)),
            "knowledge_missing": self.runner._knowledge_missing,
            "pid": os.getpid(),
        }

    def run(self, payload: tuple[Case, int]) -> EvalOutcome:
        from ponder.evals.runner import EvalOutcome

        case, r = payload
        record, run = self.runner.run_fresh(case, r)
        return EvalOutcome(record, run=run, cache_writes=self.cache.drain() if self.cache is not None else [])


def check_worker(runner: EvalRunner, description: dict[str, Any]) -> None:
    """Refuse a worker whose model is not this process's, or that lacks the suite's knowledge base."""
    from ponder.evals.fingerprints import backend_identity, jsonable

    here = jsonable(backend_identity(runner.backend))
    there = description.get("identity") or {}
    if here != there:
        field = _first_difference(here, there)
        raise ExecutorError(
            f"the Ray actors' model differs from this process's ({field}): their results would not be this run's",
            fix="install the same Ponder version on the cluster and give its nodes the same model settings "
            "(OPENAI_BASE_URL, OLLAMA_HOST, ponder.toml)",
        )
    if runner.suite.knowledge and not runner._knowledge_missing and description.get("knowledge_missing"):
        raise ExecutorError(
            f"the Ray actors cannot open the knowledge base '{runner.suite.knowledge}': {description['knowledge_missing']}",
            fix="run from a folder the cluster's nodes share, build the index there, or use --executor local",
        )


def _first_difference(here: Any, there: Any, path: str = "") -> str:
    if isinstance(here, dict) and isinstance(there, dict):
        for key in sorted(set(here) | set(there)):
            if here.get(key) != there.get(key):
                return _first_difference(here.get(key), there.get(key), f"{path}.{key}" if path else str(key))
    return f"{path or 'identity'}: {here!r} here, {there!r} there"
