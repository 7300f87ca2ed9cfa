"""The input line: prompt_toolkit with persistent history, multiline editing, completion, a status bar."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from ponder.cli.repl.completion import ChatCompleter
from ponder.paths import history_file

if TYPE_CHECKING:
    from prompt_toolkit.history import History

    from ponder.cli.repl.state import ChatState

PROMPT = "› "


def build_prompt(state: ChatState) -> PromptSession[str]:
    # No cursor-position requests: while the embedded model loads on every core, the terminal's
    # answer can come late, and prompt_toolkit would then warn that the terminal lacks CPR and
    # echo the stray answer. The prompt needs no CPR: the menu space is reserved anyway.
    os.environ.setdefault("PROMPT_TOOLKIT_NO_CPR", "1")
    multiline = Condition(lambda: state.multiline)
    bindings = KeyBindings()

    @bindings.add("escape", "enter", filter=~multiline)
    def _newline(event: KeyPressEvent) -> None:
        """Alt-Enter adds a line; in /multiline mode prompt_toolkit's own Alt-Enter sends instead."""
        event.current_buffer.insert_text("\n")

    return PromptSession(
        history=_history(),
        completer=ChatCompleter(state),
        complete_while_typing=True,
        reserve_space_for_menu=4,
        key_bindings=bindings,
        multiline=multiline,
        prompt_continuation=lambda width, line_number, wrap_count: "… ".rjust(width),
        bottom_toolbar=lambda: toolbar(state),
        enable_suspend=True,
    )


def _history() -> History:
    """The history file in the data dir; in memory when it cannot be written (a read-only home)."""
    path = history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


def toolbar(state: ChatState) -> str:
    """One line: the model (or that it is loading), tools, display modes, the session's tokens."""
    status = state.handle.status
    if status == "loading":
        model = f"{state.model_name()} (loading…)"
    elif status == "failed":
        model = "unavailable: /model PROVIDER:MODEL"
    else:
        model = state.model_name()
    agent = state.handle.agent
    parts = [f" {model}"]
    if agent is not None:
        parts.append(f"tools: {', '.join(agent.tools) or 'none'}")
    parts.append(f"steps {'on' if state.show_steps else 'off'}")
    if state.multiline:
        parts.append("multiline (Alt-Enter sends)")
    tokens = state.usage.prompt_tokens + state.usage.completion_tokens
    if tokens:
        parts.append(f"{tokens} tokens")
    parts.append("/help")
    return " · ".join(parts)
