"""The ``ollama:`` backend: the real ``ollama`` client, through LlamaIndex, over real HTTP to a fake Ollama."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents.agent import Agent
from ponder.backends.base import Capabilities
from ponder.backends.ollama import create
from ponder.backends.ollama.backend import OllamaBackend
from ponder.backends.ollama.server import ollama_answers, ollama_host, ollama_models
from ponder.backends.registry import resolve_backend
from ponder.errors import BackendError, BackendUnavailable, ModelNotFound
from ponder.tools.builtin.calculator import calculator
from tests.backends.streams import ask, drain
from tests.fakes.ollama_server import FakeOllamaServer
from tests.fakes.replies import Call, Reply

MODEL = "qwen2.5:1.5b"
LIVE_HOST = os.environ.get("OLLAMA_HOST")
"""Read at import, before the test-wide fixture points OLLAMA_HOST at a closed port."""




# -- finding the server -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("", "http://127.0.0.1:11434"),
        ("127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("gpu-box", "http://gpu-box:11434"),
        (":5000", "http://127.0.0.1:5000"),
        ("http://gpu-box", "http://gpu-box:80"),
        ("https://ollama.example.com/", "https://ollama.example.com:443"),
        ("http://[::1]:5000", "http://[::1]:5000"),
    ],
)
def test_ollama_host_reads_ollama_host_as_ollama_does(
    value: str, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", value)
    assert ollama_host() == url


def test_discovery_sees_the_server_and_its_models(
    ollama_server: FakeOllamaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", urlsplit(ollama_server.url).netloc)  # host:port, no scheme
    assert ollama_answers(timeout=1.0) is True
    assert ollama_models(timeout=1.0) == [MODEL]


def test_discovery_answers_quickly_when_nothing_listens() -> None:
    started = time.perf_counter()
    assert ollama_answers(timeout=0.3) is False
    assert ollama_models(timeout=0.3) is None
    assert time.perf_counter() - started < 1.0


def test_discovery_imports_no_heavy_library() -> None:
    code = (
        "import sys, ponder.backends.ollama.server as o; o.ollama_answers(0.1); o.ollama_models(0.1);"
        "print(sorted(m for m in ('llama_index.core', 'ollama', 'httpx', 'openai') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OLLAMA_HOST": "127.0.0.1:9"},
    )
    assert out.stdout.strip() == "[]"


# -- answers ----------------------------------------------------------------------------------------
def test_the_registry_resolves_ollama_specs(ollama_server: FakeOllamaServer) -> None:
    backend = resolve_backend(f"ollama:{MODEL}")
    assert isinstance(backend, OllamaBackend) and backend.name == f"ollama:{MODEL}"
    assert backend.host == ollama_server.url


def test_agent_gets_a_plain_answer(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue("Paris is the capital of France.")
    result = Agent(create(MODEL)).run("What is the capital of France?")
    assert result.answer == "Paris is the capital of France."
    (sent,) = ollama_server.posted("/api/chat")
    assert sent["model"] == MODEL and sent["stream"] is True
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


def test_text_streams_in_the_pieces_the_server_sends(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(Reply(text="Hello there, friend.", chunk=5, prompt_tokens=26, completion_tokens=9))
    deltas, reply = drain(create(MODEL), ask("hi"))
    assert deltas == ["Hello", " ther", "e, fr", "iend."]
    assert reply.text == "Hello there, friend."
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (26, 9)


def test_sampling_options_reach_the_server(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue("ok")
    drain(create(MODEL), ask("hi", stop=["</a>", "</b>"], max_tokens=50, temperature=0.3, seed=7))
    options = ollama_server.posted("/api/chat")[0]["options"]
    assert options == {
        "temperature": 0.3,
        "stop": ["</a>", "</b>"],
        "num_predict": 50,
        "seed": 7,
        "num_ctx": 8192,
    }


def test_stopping_early_closes_the_http_stream(ollama_server: FakeOllamaServer) -> None:
    made_up = "Action: search\nObservation: something the model invented" + " and more" * 60
    ollama_server.enqueue(Reply(text=made_up, chunk=4, chunk_delay=0.01))
    started = time.perf_counter()
    _, reply = drain(create(MODEL), ask("hi", stop=["\nObservation:"]))
    assert reply.text == "Action: search"
    assert time.perf_counter() - started < 1.0, "the reply must not wait for the rest of the stream"
    deadline = time.monotonic() + 3
    while not ollama_server.aborted and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ollama_server.aborted == 1, "the server should see the client hang up"


def test_backend_llm_is_a_working_llamaindex_llm(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue("Pong.")
    response = create(MODEL).llm.chat([ChatMessage(role=MessageRole.USER, content="Ping?")])
    assert response.message.content == "Pong."
    assert ollama_server.posted("/api/chat")[0]["stream"] is False


# -- tool calls -------------------------------------------------------------------------------------
def test_tool_call_round_trip_through_the_agent(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(Reply(calls=[Call("calculator", {"expression": "17 * 23"})]), "17 * 23 = 391.")
    result = Agent(create(MODEL), tools=[calculator]).run("What is 17 * 23?")

    assert result.answer == "17 * 23 = 391."
    assert [(t.name, t.arguments, t.output, t.ok) for t in result.trajectory] == [
        ("calculator", {"expression": "17 * 23"}, "391", True)
    ]
    first, second = ollama_server.posted("/api/chat")
    assert [t["function"]["name"] for t in first["tools"]] == ["calculator"]
    assert first["tools"][0]["function"]["parameters"]["properties"]["expression"]["type"] == "string"
    assistant, tool_result = second["messages"][-2:]
    assert assistant["role"] == "assistant"
    assert assistant["tool_calls"] == [
        {"function": {"name": "calculator", "arguments": {"expression": "17 * 23"}}}
    ]
    assert tool_result == {"role": "tool", "content": "391", "tool_name": "calculator"}


def test_each_native_call_gets_its_own_id(ollama_server: FakeOllamaServer) -> None:
    calls = [Call("calculator", {"expression": "1+1"}), Call("calculator", {"expression": "2+2"})]
    ollama_server.enqueue(Reply(calls=calls))
    _, reply = drain(create(MODEL), ask("hi", tools=[calculator]))
    assert [c.arguments for c in reply.tool_calls] == [{"expression": "1+1"}, {"expression": "2+2"}]
    assert len({c.id for c in reply.tool_calls}) == 2
    assert reply.finish_reason == "tool_calls"


def test_a_call_the_model_botched_in_its_text_becomes_an_observation(ollama_server: FakeOllamaServer) -> None:
    # Ollama returns a call whose JSON it cannot parse as plain content; the loop must read it.
    ollama_server.enqueue(
        '<tool_call>{"name": calculator, arguments: [[</tool_call>',
        Reply(calls=[Call("calculator", {"expression": "6*7"})]),
        "It is 42.",
    )
    result = Agent(create(MODEL), tools=[calculator]).run("What is 6*7?")
    assert result.answer == "It is 42."
    assert [(t.error_kind, t.ok) for t in result.trajectory] == [("parse", False), (None, True)]
    observation = ollama_server.posted("/api/chat")[1]["messages"][-1]
    assert observation["role"] == "user" and "could not be read" in observation["content"]


def test_arguments_of_the_wrong_type_become_an_observation(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(
        Reply(calls=[Call("calculator", {"expr": "6*7"})]),
        Reply(calls=[Call("calculator", {"expression": "6*7"})]),
        "It is 42.",
    )
    result = Agent(create(MODEL), tools=[calculator]).run("What is 6*7?")
    assert result.answer == "It is 42."
    assert [(t.error_kind, t.ok) for t in result.trajectory] == [("bad_arguments", False), (None, True)]
    observation = ollama_server.posted("/api/chat")[1]["messages"][-1]
    assert observation["role"] == "tool" and "'expression' is required" in observation["content"]


def test_a_model_without_tools_gets_the_text_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOllamaServer(models=("gemma3:1b",), without_tools=("gemma3:1b",)) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        server.enqueue(
            '<tool_call>{"name": "calculator", "arguments": {"expression": "2+2"}}</tool_call>', "It is 4."
        )
        agent = Agent(create("gemma3:1b"), tools=[calculator])
        result = agent.run("What is 2+2?")
        first, second = server.posted("/api/chat")
    assert agent.protocol.value == "text"
    assert result.answer == "It is 4."
    assert "tools" not in first or not first["tools"]
    assert "calculator(expression: string)" in first["messages"][0]["content"]
    assert second["messages"][-1] == {"role": "user", "content": "Observation from calculator:\n4"}


def test_the_context_window_never_exceeds_the_models(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOllamaServer(context_length=4096) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        server.enqueue("ok")
        drain(create(MODEL), ask("hi"))
        assert server.posted("/api/chat")[0]["options"]["num_ctx"] == 4096
        assert create(MODEL).capabilities.context_window == 4096
        assert create(MODEL, context_window=2048).capabilities.context_window == 2048


# -- errors -----------------------------------------------------------------------------------------
def test_no_server_is_backend_unavailable_naming_ollama_host_and_serve() -> None:
    backend = create(MODEL)  # OLLAMA_HOST points at a closed port (tests/conftest.py)
    assert backend.capabilities.native_tool_calls is True, "cannot tell: assume tools, let stream() report"
    with pytest.raises(BackendUnavailable) as caught:
        drain(backend, ask("hi"))
    assert "127.0.0.1:9" in caught.value.message
    assert "OLLAMA_HOST" in caught.value.fix and "ollama serve" in caught.value.fix


def test_a_model_not_pulled_is_model_not_found_with_the_pull_command(ollama_server: FakeOllamaServer) -> None:
    with pytest.raises(ModelNotFound) as caught:
        drain(create("llama3.2"), ask("hi"))
    assert "'llama3.2'" in caught.value.message
    assert caught.value.fix == "ollama pull llama3.2"


def test_a_server_slow_to_answer_times_out(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(Reply(text="too late", delay=3))
    started = time.perf_counter()
    with pytest.raises(BackendUnavailable) as caught:
        drain(create(MODEL, timeout=0.4), ask("hi"))
    assert time.perf_counter() - started < 2
    assert "did not answer within 0.4s" in caught.value.message
    assert "OLLAMA_HOST" in caught.value.fix and "timeout=" in caught.value.fix


def test_a_server_that_hangs_mid_answer_times_out(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(Reply(text="a beginning and then nothing", stall=3))
    deltas: list[str] = []
    with pytest.raises(BackendUnavailable):
        for item in create(MODEL, timeout=0.4).stream(ask("hi")):
            deltas.append(str(item))
    assert deltas == ["a be"], "what arrived before the stall was streamed"


def test_the_timeout_defaults_to_two_minutes(ollama_server: FakeOllamaServer) -> None:
    assert create(MODEL).llm.request_timeout == 120.0


def test_a_server_error_carries_the_servers_message(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(Reply(status=500, error="llama runner process has terminated: signal: killed"))
    with pytest.raises(BackendError) as caught:
        drain(create(MODEL, max_retries=0), ask("hi"))
    assert (
        "HTTP 500" in caught.value.message and "llama runner process has terminated" in caught.value.message
    )


def test_an_error_line_mid_stream_is_a_backend_error(ollama_server: FakeOllamaServer) -> None:
    ollama_server.enqueue(
        Reply(text="partial answer here", stream_error="an error was encountered while running the model")
    )
    with pytest.raises(BackendError) as caught:
        drain(create(MODEL), ask("hi"))
    assert "an error was encountered while running the model" in caught.value.message


def test_tools_refused_by_the_model_name_the_text_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOllamaServer(models=("gemma3:1b",), without_tools=("gemma3:1b",)) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        backend = create("gemma3:1b")
        backend.capabilities = Capabilities(
            native_tool_calls=True, streaming_with_tools=True, context_window=8192
        )
        with pytest.raises(BackendError) as caught:
            drain(backend, ask("hi", tools=[calculator]))
    assert "does not support tool calls" in caught.value.message
    assert "--protocol text" in caught.value.fix


def test_something_that_is_not_ollama_is_reported_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOllamaServer() as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        server.enqueue(Reply(raw="<html>Welcome to nginx!</html>\n"))
        with pytest.raises(BackendError) as caught:
            drain(create(MODEL), ask("hi"))
    assert "does not speak Ollama's API" in caught.value.message
    assert "OLLAMA_HOST" in caught.value.fix


def test_no_code_path_asks_tiktoken_for_anything(
    ollama_server: FakeOllamaServer, monkeypatch: pytest.MonkeyPatch
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
    ollama_server.enqueue(Reply(calls=[Call("calculator", {"expression": "6*7"})]), "42", "Still 42.")
    agent = Agent(create(MODEL), tools=[calculator])
    assert agent.chat("What is 6*7?").answer == "42"
    assert agent.chat("And again?").answer == "Still 42."
    assert asked == []


# -- a real Ollama ----------------------------------------------------------------------------------
@pytest.mark.live
def test_a_live_ollama_answers_with_a_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    if not LIVE_HOST:
        pytest.skip("set OLLAMA_HOST to a running Ollama to run this test")
    monkeypatch.setenv("OLLAMA_HOST", LIVE_HOST)
    host = urlsplit(ollama_host()).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        pytest.skip(f"tests may only reach loopback; OLLAMA_HOST is {LIVE_HOST}")
    models = ollama_models(timeout=2.0)
    if models is None:
        pytest.skip(f"no Ollama answers at {LIVE_HOST}")
    model = os.environ.get("PONDER_LIVE_OLLAMA_MODEL") or (models[0] if models else None)
    if model is None:
        pytest.skip("the live Ollama has no model pulled (ollama pull qwen2.5)")
    result = Agent(create(model), tools=[calculator]).run("What is 1234 * 5678? Use the calculator.")
    assert result.answer is not None and "7006652" in result.answer.replace(",", "").replace(" ", "")
