"""``ponder``: a tiny main that imports only the subcommand it runs (``ponder --help`` stays fast).

Each subcommand module defines ``add_arguments(parser)`` and ``handle(args) -> int``.
This is the one place where exceptions become messages and exit codes. The global flags
(``-v``/``-vv``/``--quiet``) go before or after the subcommand; log lines go to stderr, and the
commands that run agents export OpenTelemetry traces when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence
from typing import Any

# name -> (module, one-line help). Order is the order shown in --help.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("ponder.cli.chat", "interactive REPL (the default when no subcommand is given)"),
    "run": ("ponder.cli.run", "run a task (or a batch from a task file) and print the answer"),
    "eval": ("ponder.cli.eval", "run an eval suite, report scores, gate CI on them"),
    "models": ("ponder.cli.models", "list the model backends and whether each is usable now"),
    "tools": ("ponder.cli.tools", "list the tools, where they come from and whether they are enabled"),
    "index": ("ponder.cli.index", "index documents for the knowledge tools and chat mode"),
    "runs": ("ponder.cli.runs", "list the recorded runs; `runs show ID` prints one step by step"),
    "view": ("ponder.cli.view", "browse the project's run and eval records in a local web app"),
    "serve": ("ponder.cli.serve", "serve agents behind an OpenAI-compatible HTTP API"),
    "export": ("ponder.cli.export", "export fine-tuning data from eval records, batch results and chat sessions"),
}

TRACED_COMMANDS = frozenset({"run", "chat", "eval", "serve"})
"""The subcommands that run agents: they export traces when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
GLOBAL_FLAGS = ("-v", "-vv", "-vvv", "--verbose", "--quiet")


def add_global_flags(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """``-v``/``--verbose`` (repeatable) and ``--quiet``; on a subcommand, those it does not use itself.

    ``suppress``: set nothing unless given (a subcommand's parser must not reset what came before it).
    """
    unset: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    # A subcommand may have its own meaning for a flag (eval --quiet): it keeps it.
    with contextlib.suppress(argparse.ArgumentError):
        parser.add_argument(
            "-v", "--verbose", action="count", dest="log_verbose", help="log more on stderr: -v info, -vv debug", **unset
        )
    with contextlib.suppress(argparse.ArgumentError):
        parser.add_argument("--quiet", action="store_true", dest="log_quiet", help="log errors only", **unset)


def build_parser(selected: str | None) -> argparse.ArgumentParser:
    from ponder import version

    parser = argparse.ArgumentParser(
        prog="ponder",
        description="Ponder: agents built on LlamaIndex that work with small local models.",
        epilog=exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ponder {version()}")
    add_global_flags(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            importlib.import_module(module).add_arguments(sp)
            add_global_flags(sp, suppress=True)
    return parser


def exit_codes_help() -> str:
    from ponder.errors import ExitCode

    return "exit codes:\n" + "\n".join(f"  {int(code):<4} {code.meaning}" for code in ExitCode)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    lead = 0  # global flags before the subcommand
    while lead < len(args_list) and args_list[lead] in GLOBAL_FLAGS:
        lead += 1
    first = args_list[lead] if lead < len(args_list) else None
    if first is None or (first.startswith("-") and first not in ("-h", "--help", "--version")):
        args_list.insert(lead, "chat")  # bare `ponder` and `ponder -m X` open the REPL
    selected = args_list[lead] if args_list[lead] in SUBCOMMANDS else None
    parser = build_parser(selected)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return 0
    return run_handler(args)


def run_handler(args: argparse.Namespace) -> int:
    """Run a subcommand; every exception ends here as one printed line and an exit code."""
    from ponder.errors import ExitCode, InternalError, PonderError

    show_warnings()
    try:
        setup_observability(args)
        handler = importlib.import_module(SUBCOMMANDS[args.command][0]).handle
        return int(handler(args))
    except PonderError as exc:
        _debug(exc)
        print_error(exc.message, exc.fix)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in Ponder: named as one, with where to report it
        _debug(exc)
        error = InternalError.from_exception(exc, doing=f"running `ponder {args.command}`")
        print_error(error.message, error.fix)
        return int(error.exit_code)


def show_warnings() -> None:
    """Print the library's ``PonderWarning``s as ``warning: ...`` lines on stderr (every one)."""
    import warnings

    from ponder.errors import PonderWarning

    original = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *rest: object, **kw: object) -> None:
        if issubclass(category, PonderWarning):
            print(f"warning: {message}", file=sys.stderr)
        else:
            original(message, category, *rest, **kw)  # type: ignore[arg-type]

    warnings.showwarning = show
    warnings.simplefilter("always", PonderWarning)


def _debug(exc: BaseException) -> None:
    """With PONDER_DEBUG=1, the traceback too (for bug reports)."""
    import os

    if os.environ.get("PONDER_DEBUG"):
        import traceback

        traceback.print_exception(exc.__cause__ or exc, file=sys.stderr)


def setup_observability(args: argparse.Namespace) -> None:
    """Log lines on stderr at the level asked for; traces when the OTLP variables ask for them."""
    import logging

    from ponder.telemetry.logs import configure_logging, resolve_level

    configure_logging(resolve_level(getattr(args, "log_verbose", 0) or 0, bool(getattr(args, "log_quiet", False))))
    if args.command in TRACED_COMMANDS:
        from ponder.errors import MissingDependency
        from ponder.telemetry.tracing import enable_tracing_from_env

        try:
            enable_tracing_from_env()
        except MissingDependency as exc:  # the variable may be meant for other programs: warn, run untraced
            logging.getLogger("ponder.cli").warning("%s; traces are off (fix: %s)", exc.message, exc.fix)


def print_error(message: str, fix: str = "") -> None:
    print(f"error: {message}", file=sys.stderr)
    if fix:
        print(f"  fix: {fix}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
