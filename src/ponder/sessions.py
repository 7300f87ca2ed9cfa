"""Chat sessions as JSON files under the data dir, so a conversation survives the terminal.

A session file holds the chat history (LlamaIndex ``ChatMessage`` dumped with ``model_dump``),
the model spec, the enabled tools, the turns (task and answer, for ``/export``) and the usage
totals. The REPL saves the current session after every turn, so ``ponder chat --resume``
continues the last conversation even after a crash; ``/save NAME`` gives it a name.

Reading a file needs only ``json``: the messages stay plain dicts until ``to_messages`` (which
imports LlamaIndex) is called, so ``--resume`` does not slow the prompt down.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.errors import InputError
from ponder.files import atomic_write
from ponder.paths import sessions_dir

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage

FORMAT = "ponder-chat-session"
VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass
class Turn:
    """One question and what came of it (``answer`` is None when the turn failed or was cancelled)."""

    task: str
    answer: str | None
    stop_reason: str
    tools_called: list[str] = field(default_factory=list)


@dataclass
class SessionFile:
    name: str
    model: str | None = None
    tools: list[str] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    usage: dict[str, float] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    source: str | None = field(default=None, compare=False)
    """The file it was read from (not saved), for messages about it."""

    def to_messages(self) -> list[ChatMessage]:
        from llama_index.core.base.llms.types import ChatMessage
        from pydantic import ValidationError

        try:
            return [ChatMessage.model_validate(m) for m in self.messages]
        except ValidationError as exc:
            where = self.source or f"session '{self.name}'"
            err = exc.errors()[0]
            field_name = ".".join(str(p) for p in err["loc"]) or "message"
            raise InputError(
                f"{where} is damaged: a message's {field_name}: {err['msg']}",
                fix=f"delete {where} or /load another session",
            ) from None

    def to_json(self) -> str:
        data = {"format": FORMAT, "version": VERSION, **asdict(self)}
        data.pop("source", None)
        return json.dumps(data, ensure_ascii=False, indent=1)


def dump_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in messages]


def default_name() -> str:
    return time.strftime("chat-%Y%m%d-%H%M%S")


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(
            f"'{name}' is not a valid session name",
            fix="use letters, digits, '.', '_' or '-' (up to 64 characters), e.g. /save refactor-notes",
        )
    return name


def path_for(name: str) -> Path:
    return sessions_dir() / f"{check_name(name)}.json"


def save(session: SessionFile) -> Path:
    """Write atomically (a temp file, then rename): a Ctrl-C mid-write never leaves half a session."""
    session.updated = time.time()
    path = path_for(session.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, session.to_json())
    return path


def load(name: str) -> SessionFile:
    path = path_for(name)
    if not path.is_file():
        known = ", ".join(list_names()[:8]) or "none saved yet"
        raise InputError(f"no session named '{name}'", fix=f"/load one of: {known}")
    return read(path)


def read(path: Path) -> SessionFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read session file {path}: {exc}", fix=f"delete or repair {path}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(
            f"{path} is not a Ponder chat session", fix=f"delete {path} or /load another session"
        )
    if data.get("version") != VERSION:
        raise InputError(
            f"{path} has session format version {data.get('version')}", fix="upgrade ponder to read it"
        )
    try:
        turns = [Turn(**t) for t in data.get("turns", [])]
        return SessionFile(
            name=str(data["name"]),
            model=data.get("model"),
            tools=data.get("tools"),
            messages=list(data.get("messages", [])),
            turns=turns,
            usage=dict(data.get("usage", {})),
            created=float(data.get("created", 0.0)),
            updated=float(data.get("updated", 0.0)),
            source=str(path),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path} is damaged: {exc}", fix=f"delete {path} or /load another session") from exc


def list_names() -> list[str]:
    """Saved sessions, most recent first."""
    folder = sessions_dir()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [p.stem for p in files]


def last() -> SessionFile:
    """The session written most recently (what ``ponder chat --resume`` continues)."""
    names = list_names()
    if not names:
        raise InputError(
            "there is no saved session to resume",
            fix="start one with `ponder chat` (it is saved after each turn)",
        )
    return load(names[0])
