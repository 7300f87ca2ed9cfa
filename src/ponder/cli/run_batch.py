"""``ponder run -f tasks.yaml --executor ray``: the batch's tasks on a Ray cluster (``ponder.evals.batch``).

Same results file as a one-at-a-time run (one JSON line per task, in the file's order), written
here as the tasks finish on the actors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ponder.evals.batch import TaskRecord


def wants_executor(args: argparse.Namespace) -> bool:
    from ponder.config import load_config

    return (args.executor or load_config().executor) == "ray"


def run_on_executor(args: argparse.Namespace, tasks: list[dict[str, str]], out: Path) -> int:
    from ponder.cli.common import agent_spec, prepare_local_model
    from ponder.cli.executor_args import describe_plan, executor_from_args
    from ponder.evals.api import default_concurrency
    from ponder.evals.batch import TaskWorkload, run_batch

    spec = agent_spec(args)
    if spec.model and spec.model.startswith("local:"):
        prepare_local_model(spec.model.partition(":")[2])
    backend = spec.resolve_backend()
    executor = executor_from_args(args, concurrency=default_concurrency(backend))
    assert executor is not None, "wants_executor() said Ray"
    print(describe_plan(executor), file=sys.stderr)
    failures = 0
    with out.open("w", encoding="utf-8") as sink:

        def write(record: TaskRecord) -> None:
            nonlocal failures
            failures += record.get("answer") is None
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
            status = "ok" if record.get("answer") is not None else record.get("stop_reason")
            print(f"{record['id']}: {status}", file=sys.stderr)

        run_batch(tasks, TaskWorkload(spec, backend), executor, write)
    print(f"wrote {len(tasks)} results to {out}", file=sys.stderr)
    return 0 if failures == 0 else 1
