"""``ponder run``: one task from the command line, or a batch from a task file (JSONL results)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ponder.cli.common import add_agent_arguments, build_agent, record_runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", nargs="?", help="the task, in words (or '-' to read it from stdin)")
    parser.add_argument("-f", "--file", type=Path, help="a YAML task file: a list of tasks (strings or {id, task})")
    parser.add_argument("-o", "--out", type=Path, help="JSONL results for -f (default: <file>.results.jsonl)")
    parser.add_argument("--resume", action="store_true", help="with -f: continue the results file (finished tasks are skipped)")
    parser.add_argument("--force", action="store_true", help="with -f: replace a results file that already holds results")
    parser.add_argument("--steps", action="store_true", help="show thoughts and tool calls as they happen")
    parser.add_argument("--json", action="store_true", help="print the whole RunResult as JSON")
    parser.add_argument(
        "--output-schema",
        metavar="FILE|module:Class",
        help="the answer must be JSON of this type (a JSON Schema file, or a pydantic model etc. to import); prints it",
    )
    add_agent_arguments(parser)
    from ponder.cli.executor_args import add_executor_arguments

    add_executor_arguments(parser)


def handle(args: argparse.Namespace) -> int:
    from ponder.errors import InputError

    if args.file:
        from ponder.cli.batch import run_batch

        return run_batch(args)
    if args.executor == "ray":
        raise InputError("--executor ray runs a batch of tasks", fix="pass the tasks with -f tasks.yaml")
    task = sys.stdin.read() if args.task == "-" else args.task
    if not task or not task.strip():
        raise InputError("no task given", fix='pass the task in quotes, e.g. ponder run "What is 17*23?", or -f tasks.yaml')
    agent = build_agent(args, quiet=args.json, output_type=output_schema(args.output_schema))
    record_runs(agent, source="run")
    result = _run_one(agent, task.strip(), show_steps=args.steps)
    if agent.output_type is not None:
        return _print_typed(agent, result, as_result=args.json)
    if args.json:
        print(result.model_dump_json(indent=2))
    elif result.answer is not None:
        print(result.answer)
    if result.stop_reason.value != "answer" and not args.json:
        print(f"stopped: {result.stop_reason.value}", file=sys.stderr)
    return 0 if result.answer else 1


def output_schema(value: str | None) -> str | dict[str, Any] | None:
    """``--output-schema``: a JSON Schema file's content, or a ``module:Class`` reference as given."""
    from ponder.errors import InputError

    if value is None:
        return None
    path = Path(value).expanduser()
    if path.is_file():
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(f"{path} is not JSON: {exc}", fix="pass a JSON Schema file") from None
        if not isinstance(schema, dict):
            raise InputError(f"{path} does not hold a JSON Schema object", fix="pass a JSON Schema file") from None
        return schema
    if ":" in value and not value.endswith(".json"):
        return value
    raise InputError(
        f"no schema file at {value}", fix="pass a JSON Schema file, or module:Class of a pydantic model to import"
    )


def _print_typed(agent: Any, result: Any, *, as_result: bool) -> int:
    """A typed answer: its JSON on stdout; a run that ended without one says why on stderr (exit 1)."""
    valid = result.answer is not None and result.output_error is None
    if as_result:
        print(result.model_dump_json(indent=2))
    elif valid:
        print(json.dumps(agent.output_type.dump(result.output), indent=2, ensure_ascii=False))
    else:
        why = result.output_error or result.stop_reason.value
        print(f"stopped: {result.stop_reason.value}: no valid answer ({why})", file=sys.stderr)
        if result.answer:
            print(f"the model's answer was: {result.answer}", file=sys.stderr)
    return 0 if valid else 1


def _run_one(agent: Any, task: str, *, show_steps: bool) -> Any:
    from ponder.agents import events as ev

    printer = None
    if show_steps:
        from rich.console import Console

        from ponder.cli.render import StepPrinter

        printer = StepPrinter(Console(stderr=True), stream_text=True)
    result = None
    error: ev.ErrorEvent | None = None
    try:
        for event in agent.stream(task):
            if printer:
                printer(event)
            if isinstance(event, ev.ErrorEvent):
                error = event
            if isinstance(event, ev.RunFinished):
                result = event.result
    finally:
        if printer:
            printer.close()
    if error is not None:
        from ponder.errors import BackendError, PonderError

        raised = getattr(getattr(agent, "_last_loop", None), "error", None)  # the run's own error: its exit code
        raise raised if isinstance(raised, PonderError) else BackendError(error.message, fix=error.fix)
    return result


def load_tasks(path: Path) -> list[dict[str, str]]:
    from ponder.cli.batch import load_tasks as load

    return load(path)
