"""Slash commands: ``dispatch(state, "/model local:qwen2.5-coder-1.5b")``.

Each module registers its commands with ``@command``; importing this package loads them all.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from ponder.cli.repl.commands import agent, basic, info, session  # noqa: F401  (they register themselves)
from ponder.cli.repl.commands.base import COMMANDS, EXIT, Command, Exit, unique_commands
from ponder.errors import InputError

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState

__all__ = ["COMMANDS", "EXIT", "Command", "Exit", "dispatch", "unique_commands"]


def dispatch(state: ChatState, line: str) -> Exit | None:
    """Run one command line; raises ``PonderError`` (with a fix) for unknown commands or bad arguments."""
    name, _, rest = line[1:].strip().partition(" ")
    cmd = COMMANDS.get(name.lower())
    if cmd is None:
        close = difflib.get_close_matches(name.lower(), list(COMMANDS), n=1)
        hint = f"did you mean /{close[0]}? " if close else ""
        raise InputError(
            f"unknown command /{name}",
            fix=f"{hint}/help lists the commands; start a message with // to send a literal '/'",
        )
    return cmd.run(state, rest.strip())
