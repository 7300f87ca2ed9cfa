"""The real ``openai`` SDK against a served agent: plain and streamed completions, usage, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from ponder.agents.spec import AgentSpec
from ponder.serve.served import ServedAgents
from ponder.serve.server import ServerThread
from tests.serve.helpers import SHOUT_TOOL, calling, echo_agents, running, settings


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    agents = echo_agents(tmp_path)
    agents.add(AgentSpec(tools=[SHOUT_TOOL]), model_id="shouter", backend=calling("shout", {"text": "hi there"}))
    with running(agents) as server:
        yield server


@pytest.fixture
def client(server: ServerThread) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)


def test_lists_each_served_agent_as_a_model(client: openai.OpenAI) -> None:
    assert sorted(m.id for m in client.models.list()) == ["echo", "shouter"]


def test_a_completion_is_the_agents_answer_with_usage(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "good morning"}])
    assert reply.choices[0].message.content == "You said: good morning"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.object == "chat.completion"
    assert reply.usage is not None and reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_the_request_messages_are_the_conversation(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="echo",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "You said: first"},
            {"role": "user", "content": [{"type": "text", "text": "second"}]},
        ],
    )
    assert reply.choices[0].message.content == "You said: second"


def test_the_agent_runs_its_tools_on_the_server(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="shouter", messages=[{"role": "user", "content": "shout"}])
    reply = raw.parse()
    assert reply.choices[0].message.content == "Done: HI THERE"
    assert reply.choices[0].message.tool_calls is None  # nothing for the client to run
    extension = (reply.model_extra or {})["ponder"]
    assert extension["stop_reason"] == "answer"
    assert [(c["name"], c["arguments"], c["output"]) for c in extension["trajectory"]] == [("shout", {"text": "hi there"}, "HI THERE")]
    assert raw.headers["ponder-run-id"] == extension["run_id"]
    assert raw.headers["ponder-stop-reason"] == "answer"


def test_a_streamed_completion_arrives_in_chunks_that_add_up_to_the_answer(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "a longer message to stream"}], stream=True
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) > 1
    assert "".join(pieces) == "You said: a longer message to stream"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len({c.id for c in chunks}) == 1


def test_a_stream_reports_usage_when_asked(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "count me"}], stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])


def test_a_streamed_tool_run_streams_only_the_answer(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="shouter", messages=[{"role": "user", "content": "shout"}], stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Done: HI THERE"
    ponder = (chunks[-1].model_extra or {})["ponder"]
    assert ponder["trajectory"][0]["name"] == "shout"


def test_the_stream_ends_with_done_on_the_wire(server: ServerThread) -> None:
    body = {"model": "echo", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") or line.startswith(":") for line in lines)


def test_an_unknown_model_is_a_404_naming_the_served_ones(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-5", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.code == "model_not_found"
    assert "echo" in caught.value.message


def test_client_side_tools_are_refused_with_a_400(client: openai.OpenAI) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "hi"}], tools=[tool])  # type: ignore[list-item]
    assert caught.value.code == "tools_not_supported"
    assert "runs its own tools" in caught.value.message


def test_tool_messages_from_the_client_are_refused(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "hi"}, {"role": "tool", "content": "42", "tool_call_id": "x"}],
        )
    assert caught.value.code == "tools_not_supported"


def test_more_than_one_choice_is_refused(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "hi"}], n=2)
    assert caught.value.param == "n"


def test_a_conversation_must_end_with_the_user(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="last message must be the user's"):
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])


def test_an_unknown_path_is_an_openai_shaped_404(server: ServerThread) -> None:
    response = httpx.get(f"{server.url}/v1/engines")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_backend_failure_is_a_502_that_names_it(tmp_path: Path) -> None:
    from ponder.backends.scripted import Scripted, ScriptedBackend

    agents = ServedAgents(settings(tmp_path))
    agents.add(AgentSpec(tools=[]), model_id="down", backend=ScriptedBackend([Scripted(fail="the model server is down")]))
    with running(agents) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="down", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 502
    assert "the model server is down" in caught.value.message
