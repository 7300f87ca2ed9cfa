"""``ponder run -f tasks.yaml --executor ray``: the batch's tasks on a Ray cluster (``ponder.evals.batch``).

Same results file as a one-at-a-time run (one JSON line per task): ``ponder.cli.batch`` owns the
file (resume, atomic appends) and hands ``write`` each record as its task finishes on the actors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ponder.evals.batch import TaskRecord


def wants_executor(args: argparse.Namespace) -> bool:
    from ponder.config import load_config

    return (args.executor or load_config().executor) == "ray"


def run_on_executor(args: argparse.Namespace, tasks: list[dict[str, str]], write: Callable[[TaskRecord], None]) -> None:
    from ponder.cli.common import agent_spec, prepare_local_model
    from ponder.cli.executor_args import describe_plan, executor_from_args
    from ponder.cli.run import output_schema
    from ponder.evals.api import default_concurrency
    from ponder.evals.batch import TaskWorkload, run_batch

    spec = agent_spec(args).merged(output_type=output_schema(getattr(args, "output_schema", None)))
    if spec.model and spec.model.startswith("local:"):
        prepare_local_model(spec.model.partition(":")[2])
    backend = spec.resolve_backend()
    executor = executor_from_args(args, concurrency=default_concurrency(backend))
    assert executor is not None, "wants_executor() said Ray"
    print(describe_plan(executor), file=sys.stderr)
    run_batch(tasks, TaskWorkload(spec, backend), executor, write)
