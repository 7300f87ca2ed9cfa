"""Typed answers on ``openai:``: ``response_format`` in the dialect the server speaks, strict where it can be."""

from __future__ import annotations

from enum import StrEnum

import pytest
from pydantic import BaseModel

from ponder.agents.agent import Agent
from ponder.backends.openai.backend import OpenAIBackend
from ponder.backends.openai.response_format import response_format, strict_schema
from ponder.tools.builtin.calculator import calculator
from tests.backends.streams import ask, drain
from tests.fakes.openai_server import FakeOpenAIServer


class Size(StrEnum):
    S = "s"
    L = "l"


class Part(BaseModel):
    name: str
    note: str | None = None


class Order(BaseModel):
    size: Size
    parts: list[Part]
    gift: bool | None = None


class WithDefault(BaseModel):
    tags: list[str] = []


ORDER = '{"size": "l", "parts": [{"name": "bolt", "note": null}], "gift": null}'


def backend_for(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIBackend:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return OpenAIBackend("qwen", max_retries=0)


# -- the schema ------------------------------------------------------------------------------------
def test_a_strict_schema_requires_every_property_and_forbids_extra_keys() -> None:
    strict = strict_schema(Order.model_json_schema())
    assert strict is not None
    assert strict["required"] == ["size", "parts", "gift"]
    assert strict["additionalProperties"] is False
    part = strict["$defs"]["Part"]
    assert part["required"] == ["name", "note"] and part["additionalProperties"] is False
    assert "default" not in part["properties"]["note"]


def test_a_property_named_like_a_keyword_is_left_alone() -> None:
    schema = {"type": "object", "properties": {"default": {"type": "string"}, "type": {"type": "string"}}, "required": ["default", "type"]}
    strict = strict_schema(schema)
    assert strict is not None and set(strict["properties"]) == {"default", "type"}


def test_an_optional_property_that_is_not_nullable_cannot_be_strict() -> None:
    assert strict_schema(WithDefault.model_json_schema()) is None
    sent = response_format(WithDefault.model_json_schema(), "json_schema", with_tools=False)
    assert sent is not None and sent["json_schema"]["strict"] is False


def test_a_free_form_map_cannot_be_strict() -> None:
    assert strict_schema({"type": "object", "additionalProperties": {"type": "integer"}}) is None


def test_llama_cpps_dialect_is_not_sent_while_tools_are_offered() -> None:
    schema = Order.model_json_schema()
    assert response_format(schema, "json_object", with_tools=False) == {"type": "json_object", "schema": schema}
    assert response_format(schema, "json_object", with_tools=True) is None
    assert response_format(schema, "none", with_tools=False) is None


# -- over HTTP --------------------------------------------------------------------------------------
def test_a_typed_answer_asks_for_strict_structured_output(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer() as server:
        server.enqueue(ORDER)
        result = Agent(backend_for(server, monkeypatch), tools=[], output_type=Order).run("One large bolt.")
        (sent,) = server.posted("/chat/completions")
    assert result.output == Order(size=Size.L, parts=[Part(name="bolt")])
    fmt = sent["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["size", "parts", "gift"]


def test_structured_output_is_sent_with_tools_to_openai_dialect_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer() as server:
        server.enqueue(ORDER)
        Agent(backend_for(server, monkeypatch), tools=[calculator], output_type=Order).run("One large bolt.")
        (sent,) = server.posted("/chat/completions")
    assert sent["tools"] and sent["response_format"]["type"] == "json_schema"


def test_a_server_that_refuses_json_schema_is_asked_in_llama_cpps_dialect_and_it_is_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeOpenAIServer(response_formats=("text", "json_object")) as server:
        server.enqueue(ORDER, ORDER)
        backend = backend_for(server, monkeypatch)
        schema = Order.model_json_schema()
        _, reply = drain(backend, ask("One large bolt.", answer_schema=schema))
        _, again = drain(backend, ask("Another.", answer_schema=schema))
        sent = server.posted("/chat/completions")
    assert reply.text == ORDER and again.text == ORDER
    assert [s["response_format"]["type"] for s in sent] == ["json_schema", "json_object", "json_object"]
    assert sent[1]["response_format"]["schema"] == schema
    assert backend.answer_format == "json_object"


def test_a_server_that_refuses_both_dialects_gets_none_and_the_loop_still_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeOpenAIServer(response_formats=("text",)) as server:
        server.enqueue("One large bolt, please.", ORDER)
        result = Agent(backend_for(server, monkeypatch), tools=[], output_type=Order).run("One large bolt.")
        sent = server.posted("/chat/completions")
    assert [s.get("response_format", {}).get("type") for s in sent] == ["json_schema", "json_object", None, None]
    assert result.output == Order(size=Size.L, parts=[Part(name="bolt")])


def test_other_errors_are_not_taken_for_a_refused_format(monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.errors import BackendError
    from tests.fakes.replies import Reply

    with FakeOpenAIServer() as server:
        server.enqueue(Reply(status=500, error="out of memory"))
        backend = backend_for(server, monkeypatch)
        with pytest.raises(BackendError, match="out of memory"):
            drain(backend, ask("x", answer_schema=Order.model_json_schema()))
    assert backend.answer_format == "json_schema"


def test_no_response_format_without_an_answer_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer() as server:
        server.enqueue("hi")
        drain(backend_for(server, monkeypatch), ask("hi"))
        (sent,) = server.posted("/chat/completions")
    assert "response_format" not in sent


def test_a_refused_format_is_not_retried_but_asked_at_once_in_the_next_dialect(monkeypatch: pytest.MonkeyPatch) -> None:
    """llama-cpp-python's server refuses json_schema with a 500, which the retry policy would
    otherwise try again (with waits) before the dialect changes."""
    with FakeOpenAIServer(response_formats=("text", "json_object")) as server:
        server.enqueue(ORDER)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        backend = OpenAIBackend("qwen", max_retries=2)
        _, reply = drain(backend, ask("One large bolt.", answer_schema=Order.model_json_schema()))
        sent = server.posted("/chat/completions")
    assert reply.text == ORDER
    assert [s["response_format"]["type"] for s in sent] == ["json_schema", "json_object"]
    assert len(backend.retry_log.faults) == 1 and backend.retry_log.waited == 0
