"""``ponder models``: each backend and whether it is usable right now (and if not, the fix)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print as JSON")


def handle(args: argparse.Namespace) -> int:
    import json

    from ponder.backends.status import backend_statuses

    statuses = backend_statuses()
    if args.json:
        print(json.dumps([s.__dict__ for s in statuses], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("backend", "usable", "detail")
    for s in statuses:
        table.add_row(s.spec, "[green]yes[/]" if s.usable else "[red]no[/]", s.detail)
    Console().print(table)
    return 0
