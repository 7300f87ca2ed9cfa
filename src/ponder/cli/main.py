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
    "runs": ("ponder.cli.runs", "list the recorded runs; `runs show ID` prints one step by step"),
    "view": ("ponder.cli.view", "browse the project's run and eval records in a local web app"),
}



def build_parser(selected: str | None) -> argparse.ArgumentParser:
    from ponder import version

    parser = argparse.ArgumentParser(
        prog="ponder",
        description="Ponder: agents built on LlamaIndex that work with small local models.",
        epilog=exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ponder {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            importlib.import_module(module).add_arguments(sp)
    return parser


def exit_codes_help() -> str:
    from ponder.errors import ExitCode

    return "exit codes:\n" + "\n".join(f"  {int(code):<4} {code.meaning}" for code in ExitCode)


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
    from ponder.errors import ExitCode, PonderError

    try:
        handler = importlib.import_module(SUBCOMMANDS[args.command][0]).handle
        return int(handler(args))
    except PonderError as exc:
        print_error(exc.message, exc.fix)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return 0


def print_error(message: str, fix: str = "") -> None:
    print(f"error: {message}", file=sys.stderr)
    if fix:
        print(f"  fix: {fix}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
