"""One line of input: a slash command or a message. Whatever goes wrong, the chat goes on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder.errors import PonderError

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState
    from ponder.sessions import Turn


def handle_line(state: ChatState, text: str) -> tuple[bool, Turn | None]:
    """Run ``text``; returns (keep going, the turn if it was a message)."""
    from ponder.cli.repl.turn import report_bug

    line = text.strip()
    if not line:
        return True, None
    command = line.startswith("/") and not line.startswith("//")  # '//' sends a literal '/'

    try:
        if command:
            from ponder.cli.repl.commands import EXIT, dispatch

            return dispatch(state, line) is not EXIT, None
        from ponder.cli.repl.turn import run_turn

        return True, run_turn(state, line[1:] if line.startswith("//") else line)
    except PonderError as exc:
        state.out.error(exc.message, exc.fix)
    except KeyboardInterrupt:
        state.out.note("cancelled")
    except Exception as exc:
        report_bug(state, exc, line.split()[0] if command else "this turn")
    return True, None
