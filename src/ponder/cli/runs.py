"""``ponder runs``: the recorded runs, newest first; ``ponder runs show ID`` prints one step by step."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from ponder.runs import RunSummary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "ponder runs [-n N]  |  ponder runs show ID [--json]"
    parser.add_argument("target", nargs="*", help="nothing to list the runs, or 'show ID' (an id, its start, or its last six characters)")
    parser.add_argument("-n", "--limit", type=int, default=20, help="how many runs to list (default 20; 0 for all)")
    parser.add_argument("--dir", type=Path, help="the runs directory (default: .ponder/runs)")
    parser.add_argument("--json", action="store_true", help="show: print the record's lines as JSON instead")


def handle(args: argparse.Namespace) -> int:
    from ponder.errors import InputError
    from ponder.runs import DEFAULT_RUNS_DIR

    directory = args.dir or DEFAULT_RUNS_DIR
    if not args.target:
        return _list(directory, args.limit or None)
    if args.target[0] == "show" and len(args.target) == 2:
        return _show(directory, args.target[1], as_json=args.json)
    raise InputError(f"unknown runs command: {' '.join(args.target)}", fix="ponder runs (the list) or ponder runs show ID")


def _console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    return console if console.is_terminal else Console(stderr=stderr, highlight=False, width=140)


def when(started: str, now: float | None = None) -> str:
    """``14:25:01`` today, ``Jan 31 14:25`` before (the header's ISO time, shown in local time)."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(started).astimezone()
    except ValueError:
        return started
    today = datetime.fromtimestamp(now or time.time()).astimezone().date()
    return moment.strftime("%H:%M:%S") if moment.date() == today else moment.strftime("%b %d %H:%M")


def _row(run: RunSummary) -> list[str]:
    from ponder.cli.render import preview

    h = run.header
    stop = run.stop_reason or "unfinished"
    steps = "–" if run.steps is None else str(run.steps)
    seconds = "–" if run.seconds is None else f"{run.seconds:.1f}"
    return [run.run_id, when(h.started), h.source, h.model, preview(h.task, 60), stop, steps, seconds]


def _list(directory: Path, limit: int | None) -> int:
    from rich.markup import escape
    from rich.table import Table

    from ponder.runs import list_runs

    listing = list_runs(directory, limit=limit)
    err = _console(stderr=True)
    for message in listing.set_aside:
        err.print(f"[yellow]warning:[/] {escape(message)}")
    if not listing.runs:
        err.print(f"no runs recorded in {directory} yet (ponder run, chat turns, eval cases and served runs record theirs there)")
        return 0
    table = Table(title=f"runs in {directory}, newest first", title_justify="left")
    for column in ("id", "when", "source", "model", "task", "stop", "steps", "s"):
        table.add_column(column, justify="right" if column in ("steps", "s") else "left", no_wrap=column != "task",
                         overflow="fold" if column == "task" else "ellipsis")
    for run in listing.runs:
        row = [escape(cell) for cell in _row(run)]
        if not run.finished:
            row[5] = f"[yellow]{row[5]}[/]"
        elif run.stop_reason != "answer":
            row[5] = f"[red]{row[5]}[/]"
        table.add_row(*row)
    _console().print(table)
    return 0


def _show(directory: Path, wanted: str, *, as_json: bool) -> int:
    from rich.markup import escape

    from ponder.cli.render import StepPrinter
    from ponder.runs import find_run, load_run

    record = load_run(find_run(directory, wanted))
    if as_json:
        import json

        print(json.dumps(record.header.model_dump(mode="json"), ensure_ascii=False))
        for line in record.lines:
            print(json.dumps(line, ensure_ascii=False))
        return 0
    console = _console()
    h = record.header
    fingerprint = f" · spec {h.spec_fingerprint}" if h.spec_fingerprint else ""
    console.print(f"[bold]run {record.path.stem}[/] · {escape(when(h.started))} · {h.source} · {escape(h.model)}{fingerprint}")
    console.print(f"[bold]task[/] {escape(h.task)}")
    printer = StepPrinter(console, show_answer=True)
    for event in record.events():
        printer(event)
    if record.result is None:
        console.print("[yellow]the record ends here: the process stopped before the run finished[/]")
    if record.skipped_lines:
        print(f"note: {record.skipped_lines} unreadable line(s) skipped", file=sys.stderr)
    return 0 if record.result is not None and record.result.answer else 1
