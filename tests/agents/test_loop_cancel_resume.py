"""The loop's two hooks for servers: a cancel check, and continuing a conversation that holds its task."""

from __future__ import annotations

import dataclasses
import threading

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents import events as ev
from ponder.agents.agent import Agent
from ponder.agents.loop import RunLoop
from ponder.agents.result import StopReason
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.tools.base import Tool


def finished(events: list[ev.Event]) -> ev.RunFinished:
    last = events[-1]
    assert isinstance(last, ev.RunFinished)
    return last


def test_a_cancelled_run_stops_before_its_next_step_without_a_last_attempt(tools: list[Tool]) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("add", {"a": 1, "b": 2})]), "3"])
    agent = Agent(backend, tools=tools)
    cancel = threading.Event()
    loop = RunLoop(dataclasses.replace(agent._config(), cancel=cancel.is_set))
    events = []
    for event in loop.events("1+2?"):
        events.append(event)
        if isinstance(event, ev.ToolResult):
            cancel.set()
    result = finished(events).result
    assert result.stop_reason is StopReason.CANCELLED
    assert result.answer is None
    assert len(backend.requests) == 1  # neither the next step nor a last attempt asked the model


def test_cancelling_mid_reply_cuts_the_model_off(tools: list[Tool]) -> None:
    backend = ScriptedBackend(["a long answer " * 20])
    agent = Agent(backend, tools=tools)
    cancel = threading.Event()
    loop = RunLoop(dataclasses.replace(agent._config(), cancel=cancel.is_set))
    shown = ""
    events = []
    for event in loop.events("talk"):
        events.append(event)
        if isinstance(event, ev.TextDelta):
            shown += event.text
            cancel.set()
    assert finished(events).stop_reason is StopReason.CANCELLED
    assert len(shown) < 40


def test_continuing_asks_the_model_with_no_new_user_message(tools: list[Tool]) -> None:
    backend = ScriptedBackend(["It is 3."])
    agent = Agent(backend, tools=tools)
    history = [
        ChatMessage(role=MessageRole.USER, content="1+2?"),
        ChatMessage(role=MessageRole.USER, content="Observation from add:\n3"),
    ]
    events = list(RunLoop(agent._config()).events("1+2?", history, continuing=True))
    assert finished(events).result.answer == "It is 3."
    sent = backend.requests[0].messages
    assert [m.content for m in sent[1:]] == ["1+2?", "Observation from add:\n3"]
