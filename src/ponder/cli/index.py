"""``ponder index``: build or refresh knowledge bases, list them, and try a search.

    ponder index docs/ --name docs        index a folder (again: only changed files are read)
    ponder index                          refresh every configured or indexed base
    ponder index --list                   the bases, their size and when they were indexed
    ponder index --name docs --query "…"  what the search_docs tool would return
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

    from ponder.config import PonderConfig
    from ponder.knowledge.base import KnowledgeBase
    from ponder.knowledge.indexing import IndexReport
    from ponder.knowledge.registry import KnowledgeSpec

MAX_WARNINGS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="folders or files to index (default: the base's own paths)")
    parser.add_argument("-n", "--name", help="the knowledge base's name (default: the first folder's name)")
    parser.add_argument("--rebuild", action="store_true", help="discard the existing index and build it again")
    parser.add_argument("--retrieval", choices=["bm25", "vector", "hybrid"], help="bm25 (offline, default), vector or hybrid")
    parser.add_argument("--embed-model", help="embedding model for vector/hybrid, e.g. ollama:nomic-embed-text")
    parser.add_argument("--description", help="what the base holds (shown to the model in the tool's description)")
    parser.add_argument("--index-dir", type=Path, help="where to keep the index (default: .ponder/index/NAME)")
    parser.add_argument("--chunk-size", type=int, help="passage size in words and punctuation marks (default 256)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching files (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the knowledge bases and exit")
    parser.add_argument("-q", "--query", help="search the base and print the passages the tool would return")


def handle(args: argparse.Namespace) -> int:
    from rich.console import Console

    from ponder.config import load_config

    cwd = Path.cwd()
    config = load_config(cwd)
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    if args.list:
        return _list(out, cwd, config)
    bases = _selected(args, cwd, config)
    if args.query and not args.paths and not args.rebuild:
        return _query(bases[0], args.query)
    for base in bases:
        report = _index(base, args.rebuild, err)
        _summarise(err, report)
    if args.query:
        return _query(bases[0], args.query)
    if len(bases) == 1:
        name = bases[0].name
        from ponder.knowledge.tool import tool_name

        err.print(f"[dim]use it: ponder chat --knowledge {name}   or   --tools {tool_name(name)}[/dim]")
    return 0


def _selected(args: argparse.Namespace, cwd: Path, config: PonderConfig) -> list[KnowledgeBase]:
    """The bases this run works on: the named one, the one for PATH, or every known base."""
    from ponder.errors import InputError
    from ponder.knowledge.base import KnowledgeBase
    from ponder.knowledge.errors import KnowledgeBaseNotFound
    from ponder.knowledge.registry import (
        INDEX_ROOT,
        KnowledgeSpec,
        check_name,
        find_spec,
        list_specs,
        name_for,
    )

    if not args.name and not args.paths:
        specs = list_specs(config=config, cwd=cwd)
        if not specs:
            raise InputError("nothing to index", fix="pass a folder: `ponder index PATH --name NAME`")
        if args.query and len(specs) > 1:
            raise InputError("--query needs a base", fix=f"add --name, one of: {', '.join(s.name for s in specs)}")
        return [KnowledgeBase(_override(spec, args), base_dir=cwd) for spec in specs]
    name = check_name(args.name or name_for(args.paths[0]))
    try:
        spec = find_spec(name, config=config, cwd=cwd)
    except KnowledgeBaseNotFound:
        if not args.paths:
            raise
        spec = KnowledgeSpec(name=name, index_dir=cwd / INDEX_ROOT / name)
    spec = _override(spec, args)
    if args.paths:
        spec = dataclasses.replace(spec, paths=[p if p.is_absolute() else cwd / p for p in args.paths])
    return [KnowledgeBase(spec, base_dir=cwd)]


def _override(spec: KnowledgeSpec, args: argparse.Namespace) -> KnowledgeSpec:
    """Flags win over config and over the settings the index was built with."""
    settings = spec.settings
    retrieval = args.retrieval or ("hybrid" if args.embed_model and settings.retrieval == "bm25" else None)
    updates = {
        k: v
        for k, v in {"retrieval": retrieval, "embed_model": args.embed_model, "chunk_size": args.chunk_size}.items()
        if v is not None
    }
    if updates:
        spec = dataclasses.replace(spec, settings=settings.model_copy(update=updates))
    if args.description:
        spec = dataclasses.replace(spec, description=args.description)
    if args.index_dir:
        spec = dataclasses.replace(spec, index_dir=args.index_dir.resolve())
    if args.exclude:
        spec = dataclasses.replace(spec, exclude=[*spec.exclude, *args.exclude])
    return spec


def _index(base: KnowledgeBase, rebuild: bool, err: Console) -> IndexReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{base.name}: {stage}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return base.index(rebuild=rebuild, on_progress=on_progress)


def _summarise(err: Console, report: IndexReport) -> None:
    if report.rebuilt and report.rebuilt != "--rebuild":
        err.print(f"[yellow]note:[/] rebuilt the index of '{report.name}': {report.rebuilt}", soft_wrap=True)
    _warn(err, report)
    parts = [f"{len(report.added)} new", f"{len(report.changed)} changed", f"{len(report.removed)} removed", f"{report.unchanged} unchanged"]
    state = "up to date" if report.up_to_date and not report.rebuilt else "indexed"
    print(
        f"{state} '{report.name}': {report.files} files, {report.passages} passages "
        f"({', '.join(parts)}) in {report.seconds:.1f}s → {_short(report.index_dir)}"
    )


def _warn(err: Console, report: IndexReport) -> None:
    by_extension: dict[str, int] = {}
    singles = []
    for item in report.skipped:
        if item.kind == "binary" and item.detail.startswith("."):
            by_extension[item.detail] = by_extension.get(item.detail, 0) + 1
        else:
            reason = item.kind + (f": {item.detail}" if item.detail else "")
            singles.append(f"skipped {item.key} ({reason})")
    if by_extension:
        total = sum(by_extension.values())
        kinds = ", ".join(f"{ext} ×{n}" for ext, n in sorted(by_extension.items()))
        singles.insert(0, f"skipped {total} binary file{'s' if total != 1 else ''} ({kinds})")
    for line in singles[:MAX_WARNINGS]:
        err.print(f"[yellow]warning:[/] {line}", markup=True)
    if len(singles) > MAX_WARNINGS:
        err.print(f"[yellow]warning:[/] … and {len(singles) - MAX_WARNINGS} more files skipped")


def _query(base: KnowledgeBase, query: str) -> int:
    from ponder.knowledge.passages import format_passages

    passages = base.search(query)
    print(format_passages(passages, base=base.name, query=query, max_chars=100_000))
    return 0 if passages else 1


def _list(out: Console, cwd: Path, config: PonderConfig) -> int:
    from rich.table import Table

    from ponder.knowledge.errors import IndexUnusable
    from ponder.knowledge.manifest import load_info
    from ponder.knowledge.registry import list_specs

    specs = list_specs(config=config, cwd=cwd)
    if not specs:
        print("no knowledge bases yet: `ponder index PATH --name NAME` makes one", file=sys.stderr)
        return 0
    table = Table("name", "files", "passages", "retrieval", "indexed", "index", "description")
    for spec in specs:
        try:
            info = load_info(spec.index_dir, spec.name)
            row = [str(info.files), str(info.passages), info.settings.retrieval, info.indexed_at.replace("T", " ")[:16]]
        except IndexUnusable as exc:
            row = ["-", "-", spec.settings.retrieval, f"[red]{'not indexed' if 'no index' in exc.message else 'unusable'}[/]"]
        table.add_row(spec.name, *row, _short(spec.index_dir), spec.description or "")
    out.print(table)
    return 0


def _short(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
