"""``ponder``: a tiny main that imports only the subcommand it runs (``ponder --help`` stays fast).

Each subcommand module defines ``add_arguments(parser)`` and ``handle(args) -> int``.
This is the one place where exceptions become messages and exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help). Order is the order shown in --help.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("ponder.cli.chat", "interactive REPL (the default when no subcommand is given)"),
    "run": ("ponder.cli.run", "run a task (or a batch from a task file) and print the answer"),
    "eval": ("ponder.cli.eval", "run an eval suite, report scores, gate CI on them"),
    "models": ("ponder.cli.models", "list the model backends and whether each is usable now"),
    "tools": ("ponder.cli.tools", "list the tools, where they come from and whether they are enabled"),
    "index": ("ponder.cli.index", "index documents for the knowledge tools and chat mode"),
}

EXIT_CODES = """exit codes:
  0    success
  1    the run ended without an answer (a limit was hit)
  2    bad usage: flags, task file, suite file
  3    configuration error (ponder.toml, tool definitions)
  4    model backend unusable: not installed, not reachable, not authorised, no such model
  10   eval: some cases errored          11  eval: score below --min-score
  12   eval: significant regression against --baseline
  13   eval: --require-live, but some runs were replayed from the cache
  70   internal error: a bug in Ponder (please report it)
  130  interrupted (Ctrl-C)
"""


def build_parser(selected: str | None) -> argparse.ArgumentParser:
    from ponder import version

    parser = argparse.ArgumentParser(
        prog="ponder",
        description="Ponder: agents built on LlamaIndex that work with small local models.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ponder {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            importlib.import_module(module).add_arguments(sp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = args_list[0] if args_list else None
    if first is None or (first.startswith("-") and first not in ("-h", "--help", "--version")):
        args_list = ["chat", *args_list]  # bare `ponder` and `ponder -m X` open the REPL
    selected = args_list[0] if args_list and args_list[0] in SUBCOMMANDS else None
    parser = build_parser(selected)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return 0
    return run_handler(args)


def run_handler(args: argparse.Namespace) -> int:
    """Run a subcommand; every exception ends here as one printed line and an exit code."""
    from ponder.errors import InternalError, PonderError

    show_warnings()
    try:
        handler = importlib.import_module(SUBCOMMANDS[args.command][0]).handle
        return int(handler(args))
    except PonderError as exc:
        _debug(exc)
        print_error(exc.message, exc.fix)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in Ponder: named as one, with where to report it
        _debug(exc)
        error = InternalError.from_exception(exc, doing=f"running `ponder {args.command}`")
        print_error(error.message, error.fix)
        return error.exit_code


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


def print_error(message: str, fix: str = "") -> None:
    print(f"error: {message}", file=sys.stderr)
    if fix:
        print(f"  fix: {fix}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
