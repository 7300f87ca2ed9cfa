"""Session files: what is saved comes back, damaged files say how to recover."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder import sessions
from ponder.errors import InputError
from ponder.paths import data_dir


def test_data_dir_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert data_dir() == tmp_path / "ponder"


def test_a_saved_session_loads_back_with_its_messages() -> None:
    messages = [
        ChatMessage(role=MessageRole.USER, content="what is 2+2?"),
        ChatMessage(role=MessageRole.ASSISTANT, content="", additional_kwargs={"tool_calls": [{"id": "c1"}]}),
        ChatMessage(
            role=MessageRole.TOOL, content="4", additional_kwargs={"tool_call_id": "c1", "name": "calculator"}
        ),
        ChatMessage(role=MessageRole.ASSISTANT, content="4"),
    ]
    session = sessions.SessionFile(
        name="maths",
        model="scripted:echo",
        tools=["calculator"],
        messages=sessions.dump_messages(messages),
        turns=[
            sessions.Turn(task="what is 2+2?", answer="4", stop_reason="answer", tools_called=["calculator"])
        ],
        usage={"turns": 1.0, "prompt_tokens": 12.0},
    )
    path = sessions.save(session)
    assert path.name == "maths.json"
    loaded = sessions.load("maths")
    assert loaded.to_messages() == messages
    assert (loaded.model, loaded.tools, loaded.turns, loaded.usage) == (
        "scripted:echo",
        ["calculator"],
        session.turns,
        {"turns": 1.0, "prompt_tokens": 12.0},
    )


def test_last_is_the_most_recently_saved() -> None:
    sessions.save(sessions.SessionFile(name="older"))
    newer = sessions.save(sessions.SessionFile(name="newer"))
    older = sessions.path_for("older")
    older.touch()
    import os

    os.utime(newer, (older.stat().st_mtime + 10, older.stat().st_mtime + 10))
    assert sessions.last().name == "newer"
    assert sessions.list_names() == ["newer", "older"]


def test_no_session_to_resume_says_how_to_start_one() -> None:
    with pytest.raises(InputError, match="no saved session") as info:
        sessions.last()
    assert "ponder chat" in info.value.fix


@pytest.mark.parametrize("name", ["../escape", "", "a b", "x" * 65, ".hidden"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="not a valid session name"):
        sessions.check_name(name)


def test_unknown_name_lists_the_saved_ones() -> None:
    sessions.save(sessions.SessionFile(name="kept"))
    with pytest.raises(InputError, match="no session named 'gone'") as info:
        sessions.load("gone")
    assert "kept" in info.value.fix


def test_a_damaged_file_names_the_file_to_delete() -> None:
    path = sessions.path_for("broken")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read session file") as info:
        sessions.load("broken")
    assert str(path) in info.value.fix
    path.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    with pytest.raises(InputError, match="not a Ponder chat session"):
        sessions.load("broken")
