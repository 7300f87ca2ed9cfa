"""The chat's own commands: help, exit, display toggles and the conversation so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder.cli.render import preview
from ponder.cli.repl.commands.base import EXIT, Exit, command, unique_commands
from ponder.errors import InputError

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState

KEYS = [
    ("Enter", "send the message (in /multiline mode: a new line)"),
    ("Alt-Enter or Esc Enter", "a new line (in /multiline mode: send)"),
    ("Tab", "complete a command, tool, model or session name"),
    ("Up / Down, Ctrl-R", "earlier messages (history is kept between sessions)"),
    ("Ctrl-C", "cancel the turn that is running (the session goes on), or clear the line"),
    ("Ctrl-D", "leave (the session is already saved)"),
]


@command("help", "/help", "this list of commands and keys", aliases=("?",))
def help_(state: ChatState, arg: str) -> Exit | None:
    cmds = unique_commands()
    width = max(len(c.usage) for c in cmds) + 2
    state.out.line("commands:")
    for c in cmds:
        state.out.line(f"  {c.usage:<{width}}{c.help}")
    state.out.line("keys:")
    kwidth = max(len(k) for k, _ in KEYS) + 2
    for key, text in KEYS:
        state.out.line(f"  {key:<{kwidth}}{text}")
    return None


@command("exit", "/exit", "leave the chat (also Ctrl-D)", aliases=("quit", "q"))
def exit_(state: ChatState, arg: str) -> Exit | None:
    return EXIT


def on_off(arg: str, current: bool, what: str) -> bool:
    if not arg:
        return not current
    if arg.lower() in ("on", "yes", "true", "1"):
        return True
    if arg.lower() in ("off", "no", "false", "0"):
        return False
    raise InputError(
        f"/{what} takes on or off, not '{arg}'", fix=f"/{what} on, /{what} off, or /{what} to toggle"
    )


@command(
    "steps", "/steps [on|off]", "show or hide thoughts and tool calls as they happen", arguments=("on", "off")
)
def steps(state: ChatState, arg: str) -> Exit | None:
    state.show_steps = on_off(arg, state.show_steps, "steps")
    state.out.note(f"steps {'shown' if state.show_steps else 'hidden'}")
    return None


@command(
    "multiline", "/multiline [on|off]", "Enter adds a line, Alt-Enter sends (toggle)", arguments=("on", "off")
)
def multiline(state: ChatState, arg: str) -> Exit | None:
    state.multiline = on_off(arg, state.multiline, "multiline")
    if state.multiline:
        state.out.note("multiline on: Enter adds a line, Alt-Enter (or Esc Enter) sends")
    else:
        state.out.note("multiline off: Enter sends, Alt-Enter adds a line")
    return None


@command("history", "/history", "the conversation the model sees, one line per message")
def history(state: ChatState, arg: str) -> Exit | None:
    from ponder.cli.repl.turn import wait_for_agent

    if not wait_for_agent(state):
        return None
    messages = state.history()
    if not messages:
        state.out.note("the conversation is empty")
        return None
    for i, msg in enumerate(messages, start=1):
        role = getattr(msg.role, "value", str(msg.role))
        content = msg.content or ""
        if not content:
            calls = msg.additional_kwargs.get("tool_calls")
            content = f"(tool calls: {len(calls)})" if calls else "(no text)"
        state.out.line(f"{i:>3} {role:<9} {preview(content, 100)}")
    return None
