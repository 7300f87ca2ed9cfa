"""Typed answers on ``ollama:``: the answer's JSON Schema goes as ``format`` (to the loopback Ollama server)."""

from __future__ import annotations

from enum import StrEnum

import pytest
from pydantic import BaseModel

from ponder.agents.agent import Agent
from ponder.agents.result import StopReason
from ponder.backends.ollama import create
from ponder.errors import BackendError
from ponder.tools.builtin.calculator import calculator
from tests.backends.streams import ask, drain
from tests.fakes.ollama_server import FakeOllamaServer
from tests.fakes.replies import Call, Reply

MODEL = "qwen2.5:1.5b"


class Mood(StrEnum):
    HAPPY = "happy"
    SAD = "sad"


class Review(BaseModel):
    stars: int
    mood: Mood
    quotes: list[str]
    reviewer: str | None = None


REVIEW = '{"stars": 4, "mood": "happy", "quotes": ["great soup"], "reviewer": null}'


def test_a_typed_answer_is_asked_for_with_format(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(REVIEW)
    result = Agent(create(MODEL), tools=[], output_type=Review).run("Review: 'great soup', four stars.")
    assert result.output == Review(stars=4, mood=Mood.HAPPY, quotes=["great soup"])
    assert ollama_server.formats == [Review.model_json_schema()]
    assert not ollama_server.failures


def test_format_is_not_sent_while_tools_are_offered_and_the_reask_gets_it(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(
        Reply(calls=[Call("calculator", {"expression": "2*2"})]),
        "Four stars, the reviewer was happy.",
        REVIEW,
    )
    result = Agent(create(MODEL), tools=[calculator], output_type=Review).run("Rate 2*2 stars.")
    assert result.stop_reason is StopReason.ANSWER
    assert result.output == Review(stars=4, mood=Mood.HAPPY, quotes=["great soup"])
    sent = ollama_server.posted("/api/chat")
    assert [bool(b.get("tools")) for b in sent] == [True, True, False]
    assert ollama_server.formats == [None, None, Review.model_json_schema()]


def test_no_format_without_an_answer_schema(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue("hello")
    drain(create(MODEL), ask("hi"))
    assert ollama_server.formats == [None]


def test_the_fake_refuses_a_script_that_format_would_have_prevented(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue('{"stars": "four", "mood": "happy", "quotes": []}')
    with pytest.raises(BackendError, match="HTTP 500"):
        Agent(create(MODEL), tools=[], output_type=Review).run("Review?")
    assert ollama_server.failures and "'four' is not of type 'integer'" in str(ollama_server.failures[0])
