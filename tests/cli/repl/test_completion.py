"""Completion offers commands, then their arguments; plain messages get nothing."""

from __future__ import annotations

import argparse

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from ponder.cli.repl.completion import ChatCompleter
from ponder.cli.repl.output import Output
from ponder.cli.repl.state import ChatState


def completions(state: ChatState, text: str) -> list[str]:
    found = ChatCompleter(state).get_completions(Document(text), CompleteEvent(completion_requested=True))
    return [c.text for c in found]


def state() -> ChatState:
    args = argparse.Namespace(model="scripted:echo", tools="calculator", steps=None)
    chat = ChatState(args, out=Output(interactive=False))
    chat.agent()  # build now (in the REPL this happens in the background)
    return chat


def test_slash_commands_complete_by_prefix() -> None:
    assert completions(state(), "/re") == ["/reset", "/retry"]


def test_plain_messages_are_not_completed() -> None:
    assert completions(state(), "re") == []


def test_tool_names_complete_after_enable_and_disable() -> None:
    chat = state()
    assert "shell" in completions(chat, "/tools enable ")
    assert "calculator" not in completions(chat, "/tools enable ")
    assert completions(chat, "/tools disable ") == ["calculator"]
    assert completions(chat, "/tools en") == ["enable"]


def test_model_specs_and_on_off_complete() -> None:
    chat = state()
    assert completions(chat, "/model local") == ["local:qwen2.5-coder-1.5b"]
    assert completions(chat, "/steps o") == ["on", "off"]
