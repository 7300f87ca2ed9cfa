"""The ``openai:`` backend: the real ``openai`` SDK, through LlamaIndex, over real HTTP to a fake server."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents.agent import Agent
from ponder.backends.openai.backend import OpenAIBackend, create
from ponder.backends.registry import resolve_backend
from ponder.errors import BackendAuthError, BackendError, BackendUnavailable, ModelNotFound
from ponder.tools.builtin.calculator import calculator
from tests.backends.streams import ask, drain, free_port
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.replies import Call, Reply

RECORDINGS = Path(__file__).parent.parent / "fakes" / "recordings"
KEY = "sk-test-5f1c0ffee"


@pytest.fixture
def backend(openai_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIBackend:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    return create("qwen2.5-coder", max_retries=0)




# -- answers ----------------------------------------------------------------------------------------
def test_the_registry_resolves_openai_specs(backend: OpenAIBackend) -> None:
    resolved = resolve_backend("openai:gpt-4o-mini")
    assert isinstance(resolved, OpenAIBackend)
    assert resolved.name == "openai:gpt-4o-mini"


def test_agent_gets_a_plain_answer(openai_server: FakeOpenAIServer, backend: OpenAIBackend) -> None:
    openai_server.enqueue("Paris is the capital of France.")
    result = Agent(backend).run("What is the capital of France?")
    assert result.answer == "Paris is the capital of France."
    (sent,) = openai_server.posted("/chat/completions")
    assert sent["model"] == "qwen2.5-coder"
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert "tool_choice" not in sent, "OpenAI refuses tool_choice without tools"
    assert openai_server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_text_streams_in_the_pieces_the_server_sends(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(text="Hello there, friend.", chunk=3, prompt_tokens=21, completion_tokens=6))
    deltas, reply = drain(backend, ask("hi"))
    assert deltas == ["Hel", "lo ", "the", "re,", " fr", "ien", "d."]
    assert reply.text == "Hello there, friend."
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (21, 6)
    assert reply.tool_calls == []
    sent = openai_server.posted("/chat/completions")[0]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_sampling_options_reach_the_server(openai_server: FakeOpenAIServer, backend: OpenAIBackend) -> None:
    openai_server.enqueue("ok")
    stops = ["</a>", "</b>", "</c>", "</d>", "</e>"]
    drain(backend, ask("hi", stop=stops, max_tokens=50, temperature=0.3, seed=7))
    sent = openai_server.posted("/chat/completions")[0]
    assert sent["stop"] == stops[:4], "the API takes at most four stop sequences"
    assert (sent["max_tokens"], sent["temperature"], sent["seed"]) == (50, 0.3, 7)


def test_a_fifth_stop_sequence_is_applied_by_the_client(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(text="keep this</e> but not this", chunk=9))
    deltas, reply = drain(backend, ask("hi", stop=["</a>", "</b>", "</c>", "</d>", "</e>"]))
    assert reply.text == "keep this"
    assert "".join(deltas) == "keep this"


def test_stopping_early_closes_the_http_stream(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    made_up = "Action: search\nObservation: something the model invented" + " and more" * 60
    openai_server.enqueue("warm-up", Reply(text=made_up, chunk=4, chunk_delay=0.01))
    drain(backend, ask("hi"))  # the SDK's first request imports its resources (seconds, once per process)
    started = time.perf_counter()
    _, reply = drain(backend, ask("hi", stop=["\nObservation:"]))
    assert reply.text == "Action: search"
    assert time.perf_counter() - started < 1.0, "the reply must not wait for the rest of the stream"
    deadline = time.monotonic() + 3
    while not openai_server.aborted and time.monotonic() < deadline:
        time.sleep(0.02)
    assert openai_server.aborted == 1, "the server should see the client hang up"


def test_stop_when_cuts_the_text_where_it_says(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(text="first part|second part", chunk=2))
    request = ask("hi", stop_when=lambda text: text.index("|") if "|" in text else None)
    _, reply = drain(backend, request)
    assert reply.text == "first part"


# -- tool calls -------------------------------------------------------------------------------------
def test_a_check_the_loop_requires_is_sent_as_tool_choice_required(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        server.enqueue(
            "Pay: 23.40 × 37.5 is 892.50, so $892.50.",  # worked by hand, in a form the loop cannot recompute
            Reply(calls=[Call("calculator", {"expression": "23.40 * 37.5"}, id="call_1")]),
            "You earned $877.50.",
        )
        result = Agent(create("qwen2.5-coder", max_retries=0), tools=[calculator]).run("23.40 an hour for 37.5 hours?")
        choices = [body["tool_choice"] for body in server.posted("/chat/completions")]

    assert result.answer == "You earned $877.50."
    assert choices == ["auto", "required", "auto"]


def test_tool_call_round_trip_through_the_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    # llama.cpp's server refuses an assistant tool-call message with content null (HTTP 500).
    with FakeOpenAIServer(refuse_null_content=True) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        server.enqueue(
            Reply(calls=[Call("calculator", {"expression": "17 * 23"}, id="call_abc123")], chunk=5),
            "17 * 23 = 391.",
        )
        result = Agent(create("qwen2.5-coder", max_retries=0), tools=[calculator]).run("What is 17 * 23?")
        first, second = server.posted("/chat/completions")

    assert result.answer == "17 * 23 = 391."
    assert [(t.name, t.arguments, t.output, t.ok) for t in result.trajectory] == [
        ("calculator", {"expression": "17 * 23"}, "391", True)
    ]
    assert [t["function"]["name"] for t in first["tools"]] == ["calculator"]
    assert first["tools"][0]["function"]["parameters"]["required"] == ["expression"]
    assert first["tool_choice"] == "auto", "llama.cpp's chatml-function-calling drops tools without it"
    assistant, tool_result = second["messages"][-2:]
    assert assistant["role"] == "assistant"
    assert assistant["content"] == ""
    assert assistant["tool_calls"] == [
        {
            "id": "call_abc123",
            "type": "function",
            "function": {"name": "calculator", "arguments": '{"expression": "17 * 23"}'},
        }
    ]
    assert tool_result == {"role": "tool", "content": "391", "tool_call_id": "call_abc123"}


def test_a_server_that_cannot_stream_with_tools_is_asked_without_streaming(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # llama.cpp's chatml-function-calling refuses stream + tools (HTTP 500) and null content.
    with FakeOpenAIServer(refuse_null_content=True, refuse_streaming_tools=True) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        server.enqueue(
            Reply(calls=[Call("calculator", {"expression": "17 * 23"}, id="call_1")]),
            "17 * 23 = 391.",
        )
        backend = create("qwen2.5-coder", max_retries=0)
        result = Agent(backend, tools=[calculator]).run("What is 17 * 23?")
        sent = server.posted("/chat/completions")
    assert result.answer == "17 * 23 = 391."
    assert [r["stream"] for r in sent] == [True, False, False], "refused once, then never streamed with tools"
    assert backend.capabilities.streaming_with_tools is False
    assert sent[2]["messages"][-1] == {"role": "tool", "content": "391", "tool_call_id": "call_1"}


def test_an_empty_stream_with_tools_is_a_refusal_to_stream_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # llama-cpp-python 0.3.36's chatml-function-calling, once the model picks a tool: HTTP 200,
    # an SSE ping, and the end of the stream.
    with FakeOpenAIServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        server.enqueue(
            Reply(raw=": ping - 2026-11-22 10:35:15\n\n"),
            Reply(calls=[Call("calculator", {"expression": "17 * 23"}, id="call_1")]),
            "17 * 23 = 391.",
        )
        backend = create("qwen2.5-coder", max_retries=0)
        result = Agent(backend, tools=[calculator]).run("What is 17 * 23?")
        sent = server.posted("/chat/completions")
    assert result.answer == "17 * 23 = 391."
    assert [t.output for t in result.trajectory] == ["391"]
    assert [r["stream"] for r in sent] == [True, False, False]
    assert backend.capabilities.streaming_with_tools is False


def test_an_empty_stream_without_tools_is_an_error(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(raw=": ping\n\n"))
    with pytest.raises(BackendError, match="ended its streamed answer without sending anything"):
        drain(backend, ask("hi"))


def test_streaming_with_tools_can_be_turned_off(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    backend = create("m", streaming_with_tools=False)
    openai_server.enqueue(Reply(text="Action: x</tool_call> more", calls=[]), "plain streamed")
    deltas, reply = drain(backend, ask("hi", tools=[calculator], stop=["</tool_call>"]))
    assert (deltas, reply.text) == (["Action: x"], "Action: x"), "stop sequences hold without streaming too"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (11, 7)
    deltas, _ = drain(backend, ask("no tools, so streamed"))
    assert len(deltas) > 1
    assert [r["stream"] for r in openai_server.posted("/chat/completions")] == [False, True]


def test_tool_calls_split_across_many_chunks_are_reassembled(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    calls = [
        Call("calculator", {"expression": "2 ** 10"}, id="call_1"),
        Call("calculator", {"expression": "3 * 3"}, id="call_2"),
    ]
    openai_server.enqueue(Reply(text="Two sums.", calls=calls, chunk=2))
    _, reply = drain(backend, ask("hi", tools=[calculator]))
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
        ("call_1", "calculator", {"expression": "2 ** 10"}),
        ("call_2", "calculator", {"expression": "3 * 3"}),
    ]
    assert reply.text == "Two sums."
    assert reply.finish_reason == "tool_calls"


def test_several_tool_calls_in_one_chunk_all_survive(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    calls = [
        Call("calculator", {"expression": "1+1"}, id="a"),
        Call("calculator", {"expression": "2+2"}, id="b"),
    ]
    openai_server.enqueue(Reply(calls=calls, calls_in_one_chunk=True))
    _, reply = drain(backend, ask("hi", tools=[calculator]))
    assert [(c.id, c.arguments) for c in reply.tool_calls] == [
        ("a", {"expression": "1+1"}),
        ("b", {"expression": "2+2"}),
    ]


def test_a_server_repeating_id_and_name_in_every_delta_still_gives_one_call(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    def delta(arguments: str) -> str:
        call = {
            "index": 0,
            "id": "call_7",
            "type": "function",
            "function": {"name": "calculator", "arguments": arguments},
        }
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}],
        }
        return f"data: {json.dumps(chunk)}\n\n"

    openai_server.enqueue(Reply(raw=delta('{"expression"') + delta(': "1+1"}') + "data: [DONE]\n\n"))
    _, reply = drain(backend, ask("hi"))
    assert [(c.id, c.name, c.arguments) for c in reply.tool_calls] == [
        ("call_7", "calculator", {"expression": "1+1"})
    ]


def test_a_recorded_openai_stream_replays_into_tool_calls_and_usage(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    # Arguments split mid-escape (\\ | u00e9), two calls, a usage chunk with cached tokens.
    openai_server.enqueue(Reply(raw=(RECORDINGS / "openai_two_tool_calls.sse").read_text()))
    _, reply = drain(backend, ask("weather?"))
    assert [(c.id, c.arguments) for c in reply.tool_calls] == [
        ("call_DdmO9pD3xa9XTPNJ32zg2hcA", {"location": "Paris é (France)"}),
        ("call_ABxz31TmVu3CdN3cC4ZbqKOa", {"location": "Oslo"}),
    ]
    assert (
        reply.usage.prompt_tokens,
        reply.usage.completion_tokens,
        reply.usage.prompt_tokens_evaluated,
    ) == (82, 51, 18)


def test_usage_is_estimated_when_the_server_reports_none(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(text="A reply of some length.", prompt_tokens=None))
    _, reply = drain(backend, ask("a question of some length"))
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0


def test_invalid_json_arguments_become_an_observation(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(calls=[Call("calculator", "expression is 17*23", id="bad")]))
    _, reply = drain(backend, ask("hi", tools=[calculator]))
    assert reply.tool_calls[0].arguments == "expression is 17*23", "the raw string is kept for the loop"

    openai_server.enqueue(
        Reply(calls=[Call("calculator", "expression is 17*23", id="bad")]),
        Reply(calls=[Call("calculator", {"expression": "17*23"}, id="good")]),
        "It is 391.",
    )
    result = Agent(backend, tools=[calculator]).run("What is 17*23?")
    assert result.answer == "It is 391."
    assert [(t.error_kind, t.ok) for t in result.trajectory] == [("parse", False), (None, True)]
    observation = openai_server.posted("/chat/completions")[2]["messages"][-1]
    assert observation["role"] == "user" and "not a JSON object" in observation["content"]


# -- errors -----------------------------------------------------------------------------------------
def test_no_key_and_no_base_url_names_both_fixes() -> None:
    backend = create("gpt-4o-mini")
    with pytest.raises(BackendAuthError) as caught:
        drain(backend, ask("hi"))
    assert "OPENAI_API_KEY" in caught.value.fix and "OPENAI_BASE_URL" in caught.value.fix


def test_a_compatible_server_needs_no_key(
    openai_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    openai_server.enqueue("fine")
    _, reply = drain(create("local-model"), ask("hi"))
    assert reply.text == "fine"
    assert openai_server.requests[0].headers["authorization"] == "Bearer sk-no-key-required"


def test_a_wrong_key_is_an_auth_error_that_never_shows_the_key(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeOpenAIServer(api_key="sk-the-right-one") as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        caplog.set_level(logging.DEBUG)
        with pytest.raises(BackendAuthError) as caught:
            drain(create("m"), ask("hi"))
    assert "401" in caught.value.message
    assert caught.value.fix == "check OPENAI_API_KEY"
    assert KEY not in str(caught.value)
    assert KEY not in caplog.text


def test_a_server_that_wants_a_key_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer(api_key="sk-needed") as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        with pytest.raises(BackendAuthError) as caught:
            drain(create("m"), ask("hi"))
    assert "set OPENAI_API_KEY" in caught.value.fix


def test_an_unknown_model_is_model_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer(models=("gpt-4o-mini",)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        with pytest.raises(ModelNotFound) as caught:
            drain(create("gpt-9-turbo"), ask("hi"))
    assert "'gpt-9-turbo'" in caught.value.message and "does not exist" in caught.value.message
    assert "ponder models" in caught.value.fix and "/v1" in caught.value.fix


def test_nothing_listening_is_backend_unavailable_naming_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    with pytest.raises(BackendUnavailable) as caught:
        drain(create("m", max_retries=0), ask("hi"))
    assert url in caught.value.message
    assert "OPENAI_BASE_URL" in caught.value.fix


def test_a_server_slow_to_answer_times_out(
    openai_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    openai_server.enqueue(Reply(text="too late", delay=3))
    started = time.perf_counter()
    with pytest.raises(BackendUnavailable) as caught:
        drain(create("m", timeout=0.4, max_retries=0), ask("hi"))
    assert time.perf_counter() - started < 2
    assert "did not answer within 0.4s" in caught.value.message
    assert "OPENAI_BASE_URL" in caught.value.fix and "timeout=" in caught.value.fix


def test_a_server_that_hangs_mid_answer_times_out(
    openai_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    openai_server.enqueue(Reply(text="a beginning and then nothing", stall=3))
    deltas: list[str] = []
    with pytest.raises(BackendUnavailable):
        for item in create("m", timeout=0.4, max_retries=0).stream(ask("hi")):
            deltas.append(str(item))
    assert deltas == ["a be"], "what arrived before the stall was streamed"


def test_the_timeout_defaults_to_two_minutes(backend: OpenAIBackend) -> None:
    assert backend.llm.timeout == 120.0


def test_a_transient_server_error_is_retried(
    openai_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    openai_server.enqueue(Reply(status=500, error="overloaded"), "recovered")
    _, reply = drain(create("m", max_retries=1), ask("hi"))
    assert reply.text == "recovered"
    assert len(openai_server.posted("/chat/completions")) == 2


def test_a_server_error_carries_the_servers_message(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(status=500, error="CUDA out of memory"))
    with pytest.raises(BackendError) as caught:
        drain(backend, ask("hi"))
    assert "HTTP 500" in caught.value.message and "CUDA out of memory" in caught.value.message
    assert "OPENAI_BASE_URL" in caught.value.fix


def test_an_error_event_mid_stream_is_a_backend_error(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend
) -> None:
    openai_server.enqueue(Reply(text="partial answer here", stream_error="model crashed"))
    with pytest.raises(BackendError) as caught:
        drain(backend, ask("hi"))
    assert "model crashed" in caught.value.message


def test_the_agent_reports_a_backend_failure_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(BackendError) as caught:
        Agent(create("m", max_retries=0)).run("hi")
    assert "OPENAI_BASE_URL" in caught.value.fix
    assert caught.value.result.stop_reason.value == "error"  # type: ignore[attr-defined]


# -- capabilities and LlamaIndex ---------------------------------------------------------------------
def test_context_window_comes_from_the_known_model_or_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    assert create("gpt-4o-mini").capabilities.context_window == 128000
    assert create("gpt-4o-mini", context_window=4096).capabilities.context_window == 4096
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    caps = create("gpt-4o-mini").capabilities  # a compatible server: the name says nothing about the window
    assert (caps.context_window, caps.native_tool_calls, caps.streaming_with_tools) == (8192, True, True)


def test_no_code_path_asks_tiktoken_for_anything(
    openai_server: FakeOpenAIServer, backend: OpenAIBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiktoken
    import tiktoken.load

    asked: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        asked.append(repr(args))
        raise AssertionError("tiktoken was asked for an encoding (it would download one)")

    for name in ("get_encoding", "encoding_for_model"):
        monkeypatch.setattr(tiktoken, name, refuse)
    monkeypatch.setattr(tiktoken.load, "load_tiktoken_bpe", refuse)
    openai_server.enqueue(Reply(calls=[Call("calculator", {"expression": "6*7"})]), "42", "Still 42.")
    agent = Agent(backend, tools=[calculator])
    assert agent.chat("What is 6*7?").answer == "42"
    assert agent.chat("And again?").answer == "Still 42."
    assert backend.llm.metadata.context_window == 8192
    assert asked == []


def test_backend_llm_works_with_stock_llamaindex_async_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stock agents call the async API; the content-null fix must hold there too.
    history = [
        ChatMessage(role=MessageRole.USER, content="What is 17*23?"),
        ChatMessage(
            role=MessageRole.ASSISTANT,
            content=None,
            additional_kwargs={
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "calculator", "arguments": '{"expression": "17*23"}'},
                    }
                ]
            },
        ),
        ChatMessage(role=MessageRole.TOOL, content="391", additional_kwargs={"tool_call_id": "c1"}),
    ]
    with FakeOpenAIServer(refuse_null_content=True) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        server.enqueue(Reply(calls=[Call("calculator", {"expression": "17*23"}, id="c1")]), "Done.")
        llm = create("m", max_retries=0).llm

        async def conversation() -> tuple[str, str]:  # one event loop: the async client is bound to it
            first = await llm.achat_with_tools([calculator.llama_tool], user_msg="What is 17*23?")
            (selection,) = llm.get_tool_calls_from_response(first)
            answer = await llm.achat(history)
            return f"{selection.tool_name}:{selection.tool_kwargs}", str(answer.message.content)

        call, answer = asyncio.run(conversation())
        assert call == "calculator:{'expression': '17*23'}"
        assert answer == "Done."
        assert server.posted("/chat/completions")[1]["messages"][1]["content"] == ""
