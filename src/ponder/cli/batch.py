"""``ponder run -f``: a batch of tasks from a YAML file, one JSONL result per task (``ponder.batch``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ponder.batch import BatchTask


def load_tasks(path: Path) -> list[dict[str, str]]:
    """The tasks of a task file: a YAML list (or a ``tasks:`` list) of strings or ``{id, task}`` mappings."""
    import yaml

    from ponder.errors import InputError

    if not path.is_file():
        raise InputError(f"no task file at {path}", fix="check the path given to -f")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read task file {path}: {exc}", fix="write the task file as UTF-8 YAML") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}", fix="fix the YAML at that line") from exc
    except RecursionError:
        raise InputError(f"{path}: the YAML is nested too deeply to read", fix="write one task per list item") from None
    if isinstance(data, dict):
        data = data.get("tasks")
    if not isinstance(data, list) or not data:
        raise InputError(f"{path}: expected a list of tasks (or a 'tasks:' list)", fix="write one task per list item")
    tasks: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(data, start=1):
        if isinstance(item, str):
            entry = {"id": str(i), "task": item}
        elif isinstance(item, dict) and isinstance(item.get("task") or item.get("input"), str):
            entry = {"id": str(item.get("id", i)), "task": item.get("task") or item["input"]}
        else:
            raise InputError(f"{path}: task #{i} needs a 'task' string", fix="write it as '- task: ...' or a plain string")
        if entry["id"] in seen:
            raise InputError(f"{path}: task #{i}: the id '{entry['id']}' is used twice", fix="give every task its own id")
        seen.add(entry["id"])
        tasks.append(entry)
    return tasks


def run_batch(args: argparse.Namespace) -> int:
    """Run the task file's tasks; results go to ``-o`` or ``<file>.results.jsonl`` as each one ends."""
    from ponder.batch import BatchResults, BatchTask
    from ponder.cli.common import build_agent, record_runs
    from ponder.cli.run import output_schema

    if getattr(args, "resume", False) and getattr(args, "force", False):
        from ponder.errors import InputError

        raise InputError("--resume and --force contradict each other", fix="--resume continues the results file, --force starts it over")
    tasks = [BatchTask(id=t["id"], task=t["task"]) for t in load_tasks(args.file)]
    out: Path = args.out or args.file.with_suffix(".results.jsonl")
    results = BatchResults(out)
    todo = results.open(tasks, resume=args.resume, force=args.force)
    failures = sum(1 for r in results.kept.values() if r.get("answer") is None)
    try:
        if results.kept:
            print(f"resuming: {len(results.kept)} task(s) already done, {len(todo)} to go", file=sys.stderr)
        from ponder.cli.run_batch import run_on_executor, wants_executor

        if todo and wants_executor(args):  # the tasks on Ray actors; the results file is the same

            def write(record: dict[str, Any]) -> None:
                nonlocal failures
                results.append(record)
                failures += record.get("answer") is None
                print(f"{record['id']}: {'ok' if record.get('answer') is not None else record.get('stop_reason')}", file=sys.stderr)

            run_on_executor(args, [{"id": t.id, "task": t.task} for t in todo], write)
            todo = []
        agent = build_agent(args, output_type=output_schema(getattr(args, "output_schema", None))) if todo else None
        if agent is not None:
            record_runs(agent, source="run")
        for item in todo:
            record = _run(agent, item, show_steps=args.steps)
            results.append(record)
            failures += record.get("answer") is None
            status = "ok" if record.get("answer") is not None else record.get("stop_reason")
            print(f"{item.id}: {status}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished tasks are kept in {out}; continue with --resume", file=sys.stderr)
        raise
    finally:
        results.close()
    print(f"wrote {len(tasks)} results to {out}", file=sys.stderr)
    return 0 if failures == 0 else 1


def _run(agent: Any, item: BatchTask, *, show_steps: bool) -> dict[str, Any]:
    from ponder.cli.run import _run_one
    from ponder.errors import BackendError, InternalError

    try:
        result = _run_one(agent, item.task, show_steps=show_steps)
        return {"id": item.id, **result.model_dump(mode="json")}
    except (BackendError, InternalError) as exc:  # this task's failure: recorded, the batch goes on
        return {"id": item.id, "task": item.task, "answer": None, "stop_reason": "error", "error": str(exc)}
