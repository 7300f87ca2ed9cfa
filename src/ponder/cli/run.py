"""``ponder run``: one task from the command line, or a batch from a task file (JSONL results)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ponder.cli.common import add_agent_arguments, build_agent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", nargs="?", help="the task, in words (or '-' to read it from stdin)")
    parser.add_argument("-f", "--file", type=Path, help="a YAML task file: a list of tasks (strings or {id, task})")
    parser.add_argument("-o", "--out", type=Path, help="JSONL results for -f (default: <file>.results.jsonl)")
    parser.add_argument("--steps", action="store_true", help="show thoughts and tool calls as they happen")
    parser.add_argument("--json", action="store_true", help="print the whole RunResult as JSON")
    parser.add_argument(
        "--output-schema",
        metavar="FILE|module:Class",
        help="the answer must be JSON of this type (a JSON Schema file, or a pydantic model etc. to import); prints it",
    )
    add_agent_arguments(parser)


def handle(args: argparse.Namespace) -> int:
    from ponder.errors import InputError

    if args.file:
        return _batch(args)
    task = sys.stdin.read() if args.task == "-" else args.task
    if not task or not task.strip():
        raise InputError("no task given", fix='pass the task in quotes, e.g. ponder run "What is 17*23?", or -f tasks.yaml')
    agent = build_agent(args, quiet=args.json, output_type=output_schema(args.output_schema))
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
    for event in agent.stream(task):
        if printer:
            printer(event)
        if isinstance(event, ev.ErrorEvent):
            error = event
        if isinstance(event, ev.RunFinished):
            result = event.result
    if error is not None:
        from ponder.errors import BackendError

        raise BackendError(error.message, fix=error.fix)
    return result


def load_tasks(path: Path) -> list[dict[str, str]]:
    import yaml

    from ponder.errors import InputError

    if not path.is_file():
        raise InputError(f"no task file at {path}", fix="check the path given to -f")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}", fix="fix the YAML at that line") from exc
    if isinstance(data, dict):
        data = data.get("tasks")
    if not isinstance(data, list) or not data:
        raise InputError(f"{path}: expected a list of tasks (or a 'tasks:' list)", fix="write one task per list item")
    tasks = []
    for i, item in enumerate(data, start=1):
        if isinstance(item, str):
            tasks.append({"id": str(i), "task": item})
        elif isinstance(item, dict) and isinstance(item.get("task") or item.get("input"), str):
            tasks.append({"id": str(item.get("id", i)), "task": item.get("task") or item["input"]})
        else:
            raise InputError(f"{path}: task #{i} needs a 'task' string", fix="write it as '- task: ...' or a plain string")
    return tasks


def _batch(args: argparse.Namespace) -> int:
    tasks = load_tasks(args.file)
    out = args.out or args.file.with_suffix(".results.jsonl")
    agent = build_agent(args, output_type=output_schema(args.output_schema))
    failures = 0
    with out.open("w", encoding="utf-8") as sink:
        for item in tasks:
            from ponder.errors import BackendError

            try:
                result = _run_one(agent, item["task"], show_steps=args.steps)
                record = {"id": item["id"], **result.model_dump(mode="json")}
            except BackendError as exc:
                record = {"id": item["id"], "task": item["task"], "answer": None, "stop_reason": "error", "error": str(exc)}
            failures += record.get("answer") is None
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()
            status = "ok" if record.get("answer") is not None else record.get("stop_reason")
            print(f"{item['id']}: {status}", file=sys.stderr)
    print(f"wrote {len(tasks)} results to {out}", file=sys.stderr)
    return 0 if failures == 0 else 1
