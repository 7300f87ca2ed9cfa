"""Commands that keep the conversation: save, load, list and export sessions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from ponder import sessions
from ponder.cli.render import preview
from ponder.cli.repl import export
from ponder.cli.repl.commands.base import Exit, command
from ponder.cli.repl.turn import wait_for_agent
from ponder.errors import InputError, PonderError
from ponder.usage import SessionTotals

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState


@command("save", "/save [NAME]", "save the session under NAME (it is also saved after every turn)")
def save(state: ChatState, arg: str) -> Exit | None:
    old = state.session.name
    if arg:
        state.session.name = sessions.check_name(arg)
    state.autosave_enabled = True
    path = state.save()
    if path is None:
        return None
    if arg and old != state.session.name and old.startswith("chat-"):
        sessions.path_for(old).unlink(missing_ok=True)  # the auto-named copy is now this one
    state.out.note(
        f"saved as {state.session.name} ({path}); `ponder chat --resume {state.session.name}` continues it"
    )
    return None


@command("load", "/load NAME", "continue a saved session: its conversation, model and tools")
def load(state: ChatState, arg: str) -> Exit | None:
    if not arg:
        names = sessions.list_names()
        raise InputError(
            "/load needs a session name", fix=f"/load one of: {', '.join(names[:8]) or 'none saved yet'}"
        )
    loaded = sessions.load(arg)
    state.autosave()  # keep the current conversation before replacing it
    state.session = loaded
    state.usage = SessionTotals.from_dict(loaded.usage)
    if not wait_for_agent(state):
        return None
    agent = state.agent()
    state.set_history(loaded.to_messages())
    if loaded.tools is not None:
        state.apply_tools(agent, loaded.tools)
    if loaded.model and loaded.model != agent.backend.name:
        try:
            state.switch_backend(state.resolve_backend(loaded.model))
        except PonderError as exc:
            state.out.error(
                f"kept {agent.backend.name}: cannot use the session's model {loaded.model}: {exc.message}",
                exc.fix,
            )
    state.flush_notices()
    state.out.note(
        f"loaded {loaded.name}: {len(loaded.turns)} turns, {len(state.history())} messages, model {agent.backend.name}"
    )
    show_recent(state, loaded)
    return None


def show_recent(state: ChatState, session: sessions.SessionFile, count: int = 3) -> None:
    for turn in session.turns[-count:]:
        state.out.line(f"  you: {preview(turn.task, 90)}")
        state.out.line(f"  ponder: {preview(turn.answer or '(' + turn.stop_reason + ')', 90)}")


@command("sessions", "/sessions", "the saved sessions, most recent first")
def list_sessions(state: ChatState, arg: str) -> Exit | None:
    names = sessions.list_names()
    if not names:
        state.out.note("no saved sessions yet")
        return None
    for name in names[:30]:
        path = sessions.path_for(name)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        mark = "*" if name == state.session.name else " "
        state.out.line(f" {mark} {name:<32} {when}")
    return None


@command(
    "export",
    "/export task|eval [FILE]",
    "write the session's questions as a task file (ponder run -f) or eval cases",
    arguments=("task", "eval"),
)
def export_(state: ChatState, arg: str) -> Exit | None:
    kind, _, target = arg.partition(" ")
    if kind not in ("task", "eval"):
        raise InputError(
            f"/export {arg}: say what to export", fix="/export task [FILE] or /export eval [FILE]"
        )
    session = state.snapshot()
    if not session.turns:
        raise InputError("there is nothing to export yet", fix="ask something first")
    suffix = ".tasks.yaml" if kind == "task" else ".eval.yaml"
    path = Path(target.strip() or f"{session.name}{suffix}").expanduser()
    text = export.task_file(session) if kind == "task" else export.eval_suite(session)
    from ponder.files import atomic_write

    try:
        atomic_write(path, text)
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: {exc.strerror}", fix="give another path: /export task FILE"
        ) from exc
    how = f"ponder run -f {path}" if kind == "task" else f"ponder eval {path}"
    state.out.note(
        f"wrote {len(session.turns)} {'tasks' if kind == 'task' else 'cases'} to {path}; run them with `{how}`"
    )
    return None
