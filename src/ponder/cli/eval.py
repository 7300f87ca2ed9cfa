"""``ponder eval``: run a suite, report it, gate CI on it; ``ponder eval compare A B``.

Exit codes: ``Verdict.exit_code`` (``ponder.evals.gate``) picks among ``ponder.errors.ExitCode``
(13 when ``--require-live`` finds runs replayed from the cache).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from ponder.backends.base import Backend
    from ponder.evals.compare import Comparison
    from ponder.evals.executors.base import Executor
    from ponder.evals.gate import Verdict
    from ponder.evals.report import Report
    from ponder.evals.suite import Suite


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "ponder eval SUITE [options]  |  ponder eval compare A.json B.json  |  ponder eval --schema"
    parser.add_argument("target", nargs="*", help="a suite file (evals/smoke.yaml), a source (bfcl:simple_python), or 'compare A B'")
    run = parser.add_argument_group("running")
    run.add_argument("-m", "--model", help="provider:model (overrides the suite's model)")
    run.add_argument("--judge-model", help="model for llm_judge graders (default: the suite's judge_model, else the model under test)")
    run.add_argument("-j", "--concurrency", type=int, help="runs at once (default: 4; 1 for the in-process local model)")
    run.add_argument("-n", "--repeat", type=int, help="runs per case, for pass@k and pass^k (default: the suite's, else 1)")
    run.add_argument("--case", action="append", metavar="ID", help="run only this case (repeatable)")
    run.add_argument("--tags", help="run only cases with one of these comma-separated tags")
    run.add_argument("--skip-tags", help="skip cases with any of these comma-separated tags")
    run.add_argument("--max-steps", type=int, help="override the suite's limits.max_steps")
    run.add_argument("--timeout", type=float, help="override the suite's limits.run_timeout (seconds per case)")
    run.add_argument("--temperature", type=float, help="override the suite's temperature")
    run.add_argument("--seed", type=int, help="override the suite's base seed (repeat r uses seed + r)")
    run.add_argument("--list", action="store_true", help="list the selected cases and exit")
    from ponder.cli.executor_args import add_executor_arguments

    add_executor_arguments(parser)
    store = parser.add_argument_group("results and cache")
    store.add_argument("-o", "--out", type=Path, help="JSONL log written as runs finish (default: .ponder/evals/<suite>.jsonl)")
    store.add_argument("--resume", action="store_true", help="continue the run in --out: skip finished runs, redo errored ones")
    store.add_argument("--no-cache", action="store_true", help="neither read nor write the cache: every request goes to the model")
    store.add_argument("--responses-only", action="store_true", help="cache model responses but re-run every case's loop and tools")
    store.add_argument("--cache-dir", type=Path, help="where the cache lives (default: .ponder/cache)")
    out = parser.add_argument_group("reports")
    out.add_argument("--json", metavar="PATH", help="write the full report as JSON ('-' for stdout)")
    out.add_argument("--junit", metavar="PATH", help="write JUnit XML ('-' for stdout)")
    out.add_argument("--markdown", metavar="PATH", help="write a Markdown summary ('-' for stdout; appends to $GITHUB_STEP_SUMMARY)")
    out.add_argument("--html", metavar="PATH", help="write a self-contained HTML report: cases, trajectories, plots (opens offline)")
    out.add_argument("--no-progress", action="store_true", help="no progress bar or per-run lines")
    out.add_argument("-q", "--quiet", action="store_true", help="no summary table")
    gate = parser.add_argument_group("CI gating")
    gate.add_argument("--min-score", type=_fraction, help="exit 11 if the pass rate is below this (0.8 or 80%%)")
    gate.add_argument("--baseline", type=Path, help="an earlier --json report (or .jsonl log) to compare against")
    gate.add_argument("--max-regression", type=_fraction, help="allowed score drop against --baseline before exit 12 (default 0); with compare, gate on it too")
    gate.add_argument("--alpha", type=float, default=0.05, help="significance level of the paired test (default 0.05)")
    gate.add_argument("--require-live", action="store_true", help="exit 13 if any run took replies from the cache (the gate must measure the live model)")
    parser.add_argument("--schema", action="store_true", help="print the JSON Schema of suite files and exit")


def _fraction(text: str) -> float:
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (write 0.8 or 80%)") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not between 0 and 1 (or 0% and 100%)")
    return value


def handle(args: argparse.Namespace) -> int:
    from ponder.errors import InputError

    if args.schema:
        import json

        from ponder.evals.spec import suite_json_schema

        print(json.dumps(suite_json_schema(), indent=2, ensure_ascii=False))
        return 0
    if not args.target:
        raise InputError("no suite given", fix="ponder eval evals/smoke.yaml (or a source like bfcl:simple_python)")
    if args.target[0] == "compare":
        return _compare(args)
    if len(args.target) > 1:
        raise InputError(f"one suite at a time (got {len(args.target)})", fix="run ponder eval once per suite")
    return _run(args)


# -- running a suite ---------------------------------------------------------------------------
def _run(args: argparse.Namespace) -> int:
    from ponder.errors import InputError
    from ponder.evals.runner import select_cases
    from ponder.evals.sources import load_suite

    suite = _overrides(load_suite(args.target[0]), args)
    suite = select_cases(suite, ids=args.case, tags=_split(args.tags), skip_tags=_split(args.skip_tags))
    if not suite.cases:
        raise InputError("no case matches the selection", fix="check --case, --tags and --skip-tags (ponder eval SUITE --list)")
    if args.list:
        for case in suite.cases:
            print(f"{case.id}\t{','.join(case.tags)}\t{case.input[:80]}")
        return 0
    console, stdout_taken = _consoles(args)
    backend = _backend(suite, args, console)
    from ponder.cli.eval_view import EvalProgress, render_report
    from ponder.evals.api import default_concurrency, evaluate
    from ponder.evals.cache import DEFAULT_CACHE_DIR

    out = args.out or Path(".ponder") / "evals" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', suite.name)}.jsonl"
    concurrency = args.concurrency or default_concurrency(backend)
    executor = _executor(args, concurrency, console)
    progress = EvalProgress(console, enabled=not args.no_progress)
    try:
        report = evaluate(
            suite,
            model=backend,
            repeat=args.repeat,
            concurrency=concurrency,
            executor=executor,
            cache_dir=None if args.no_cache else (args.cache_dir or DEFAULT_CACHE_DIR),
            replay_runs=not args.responses_only,
            out=out,
            resume=args.resume,
            judge_model=args.judge_model,
            on_event=progress,
            argv=sys.argv[1:],
        )
    except KeyboardInterrupt:
        progress.close()
        console.print(f"[yellow]interrupted: finished runs are kept in {out}; continue with --resume[/]")
        raise
    finally:
        progress.close()
    baseline = _load_baseline(args)
    comparison = _compare_with(baseline, report, args)
    verdict = _verdict(report, comparison, args)
    _write_reports(report, comparison, verdict, args, baseline=baseline)
    if not args.quiet:
        target = console if stdout_taken else _console(stderr=False)
        render_report(target, report, verdict=verdict)
        if comparison is not None:
            from ponder.cli.eval_view import render_comparison

            render_comparison(target, comparison)
        console.print(f"[dim]log: {out}[/]")
    return int(verdict.exit_code)


def _executor(args: argparse.Namespace, concurrency: int, console: Console) -> Executor | None:
    from ponder.cli.executor_args import describe_plan, executor_from_args

    executor = executor_from_args(args, concurrency=concurrency)
    plan = describe_plan(executor)
    if plan and not args.no_progress:
        console.print(f"[dim]{plan}[/]", highlight=False)
    return executor


def _overrides(suite: Suite, args: argparse.Namespace) -> Suite:
    """The suite's agent with the flags written over it (flags not given change nothing)."""
    agent = suite.agent.merged(
        limits={"max_steps": args.max_steps, "run_timeout": args.timeout},
        temperature=args.temperature,
        seed=args.seed,
    )
    return replace(suite, agent=agent)


def _backend(suite: Suite, args: argparse.Namespace, console: Console) -> Backend:
    from ponder.evals.api import choose_model, resolve_model

    if args.model is None and suite.backend is not None:
        return suite.backend
    choice = choose_model(suite, args.model)
    if choice.reason != "--model":
        console.print(f"[dim]model: {choice.spec} ({choice.reason})[/]", highlight=False)
    return resolve_model(suite, choice.spec)


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _console(*, stderr: bool) -> Console:
    """A terminal's own width; 120 columns in CI logs and pipes (rich would assume 80) unless COLUMNS says."""
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, highlight=False, width=120)
    return console


def _consoles(args: argparse.Namespace) -> tuple[Console, bool]:
    """Progress and notes go to stderr; the table too when a report is written to stdout."""
    stdout_taken = "-" in (args.json, args.junit, args.markdown, args.html)
    return _console(stderr=True), stdout_taken


def _load_baseline(args: argparse.Namespace) -> Report | None:
    if args.baseline is None:
        return None
    from ponder.evals.report import load_report

    return load_report(args.baseline)


def _compare_with(baseline: Report | None, report: Report, args: argparse.Namespace) -> Comparison | None:
    if baseline is None:
        return None
    from ponder.evals.compare import compare

    return compare(baseline, report, alpha=args.alpha)


def _verdict(report: Report, comparison: Comparison | None, args: argparse.Namespace) -> Verdict:
    from ponder.evals.gate import judge_run

    return judge_run(
        report,
        min_score=args.min_score,
        comparison=comparison,
        max_regression=args.max_regression or 0.0,
        require_live=args.require_live,
    )


def _write_reports(
    report: Report, comparison: Comparison | None, verdict: Verdict, args: argparse.Namespace, *, baseline: Report | None = None
) -> None:
    if args.json:
        _emit(args.json, report.model_dump_json(indent=2))
    if args.junit:
        from ponder.evals.junit import to_junit

        _emit(args.junit, to_junit(report))
    if args.markdown:
        from ponder.evals.markdown import to_markdown

        text = to_markdown(report, comparison=comparison, verdict=verdict)
        _emit(args.markdown, text, append=args.markdown == os.environ.get("GITHUB_STEP_SUMMARY"))
    if args.html:
        from ponder.evals.html_report import to_html

        _emit(args.html, to_html(report, baseline=baseline, comparison=comparison, verdict=verdict))


def _emit(target: str, text: str, *, append: bool = False) -> None:
    """A report to stdout, or to a file written whole (atomically) or appended under its lock."""
    from ponder.files import atomic_write, locked_append

    text = text if text.endswith("\n") else text + "\n"
    if target == "-":
        sys.stdout.write(text)
        return
    path = Path(target)
    if append:
        path.parent.mkdir(parents=True, exist_ok=True)
        locked_append(path, text)
    else:
        atomic_write(path, text)


# -- comparing two runs ----------------------------------------------------------------------
def _compare(args: argparse.Namespace) -> int:
    from ponder.cli.eval_view import render_comparison
    from ponder.errors import InputError
    from ponder.evals.compare import compare
    from ponder.evals.report import load_report

    if len(args.target) != 3:
        raise InputError("compare takes two results files", fix="ponder eval compare baseline.json current.json")
    first, second = load_report(Path(args.target[1])), load_report(Path(args.target[2]))
    comparison = compare(first, second, alpha=args.alpha)
    if args.html:
        from ponder.evals.html_report import to_html

        _emit(args.html, to_html(second, baseline=first, comparison=comparison))
    if args.json:
        _emit(args.json, comparison.model_dump_json(indent=2))
    if args.markdown:
        from ponder.evals.markdown import compare_markdown

        text = "\n".join(compare_markdown(comparison)) + "\n"
        _emit(args.markdown, text, append=args.markdown == os.environ.get("GITHUB_STEP_SUMMARY"))
    if not args.quiet:
        render_comparison(_console(stderr="-" in (args.json, args.markdown, args.html)), comparison)
    gated = args.max_regression is not None and comparison.regressed(args.max_regression)
    from ponder.errors import ExitCode

    return int(ExitCode.EVAL_REGRESSION if gated else ExitCode.OK)
