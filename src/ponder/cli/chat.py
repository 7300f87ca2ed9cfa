"""``ponder chat`` (and bare ``ponder``): the interactive REPL, or answers for piped stdin.

The REPL itself lives in ``ponder.cli.repl``; this module only reads the flags and picks the mode.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ponder.cli.common import add_agent_arguments

if TYPE_CHECKING:
    from ponder.sessions import SessionFile


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
    parser.add_argument(
        "--knowledge",
        metavar="NAME",
        help="chat about a knowledge base (built with `ponder index`): answers from its passages, with sources",
    )
    add_agent_arguments(parser)


def handle(args: argparse.Namespace) -> int:
    from ponder import sessions

    session = None
    if args.resume is not None:
        session = sessions.load(args.resume) if args.resume else sessions.last()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from ponder.cli.repl.pipe import run_pipe

        return run_pipe(args, session, sys.stdin)
    from ponder.cli.repl import early

    painted = early.paint(banner(args, session), "› ")
    try:
        from ponder.cli.repl.app import run_repl

        return run_repl(args, session, painted)
    finally:
        painted.restore()  # the REPL gave the terminal back after its first prompt; this covers early exits


def banner(args: argparse.Namespace, session: SessionFile | None) -> str:
    """The first lines on screen: the model, how to get help and leave, and a resumed session's last turns."""
    model = args.model or (session.model if session else None) or "auto"
    mode = f" · knowledge: {args.knowledge}" if getattr(args, "knowledge", None) else ""
    lines = [f"Ponder chat · {model}{mode} · /help for commands, Ctrl-D to leave"]
    if session is not None:
        lines.append(f"resumed session {session.name}: {len(session.turns)} turns")
        for turn in session.turns[-3:]:
            lines.append(f"  you: {_short(turn.task)}")
            lines.append(f"  ponder: {_short(turn.answer or f'({turn.stop_reason})')}")
    return "\n".join(lines)


def _short(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
