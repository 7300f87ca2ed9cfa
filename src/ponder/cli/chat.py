"""``ponder chat`` (and bare ``ponder``): the interactive REPL, or answers for piped stdin.

The REPL itself lives in ``ponder.cli.repl``; this module only reads the flags and picks the mode.
"""

from __future__ import annotations

import argparse
import sys

from ponder.cli.common import add_agent_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resume",
        nargs="?",
        const="",
        metavar="NAME",
        help="continue the last session (or the session NAME): its conversation, model and tools",
    )
    parser.add_argument(
        "--steps",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show thoughts and tool calls as they happen (default: on in a terminal, off in a pipe)",
    )
    add_agent_arguments(parser)


def handle(args: argparse.Namespace) -> int:
    from ponder.cli.repl import sessions

    session = None
    if args.resume is not None:
        session = sessions.load(args.resume) if args.resume else sessions.last()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from ponder.cli.repl.pipe import run_pipe

        return run_pipe(args, session, sys.stdin)
    from ponder.cli.repl.app import run_repl

    return run_repl(args, session)
