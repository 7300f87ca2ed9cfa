"""The slash-command contract: a name, a usage line, one line of help and a handler.

Handlers take the chat state and the rest of the line. They raise ``PonderError`` for a bad
argument (the REPL prints it with its fix and goes on) and return ``EXIT`` to leave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState


class Exit:
    """Returned by a handler to end the chat."""


EXIT = Exit()
Handler = Callable[["ChatState", str], "Exit | None"]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    run: Handler
    aliases: tuple[str, ...] = field(default=())
    arguments: tuple[str, ...] = field(default=())
    """Fixed first arguments, offered by completion (e.g. on/off)."""


COMMANDS: dict[str, Command] = {}


def command(
    name: str, usage: str, help: str, *, aliases: tuple[str, ...] = (), arguments: tuple[str, ...] = ()
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        cmd = Command(name=name, usage=usage, help=help, run=fn, aliases=aliases, arguments=arguments)
        for key in (name, *aliases):
            COMMANDS[key] = cmd
        return fn

    return register


def unique_commands() -> list[Command]:
    """Each command once, in registration order (aliases folded)."""
    seen: dict[str, Command] = {}
    for cmd in COMMANDS.values():
        seen.setdefault(cmd.name, cmd)
    return list(seen.values())
