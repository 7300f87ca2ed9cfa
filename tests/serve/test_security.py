"""Abuse: keys, sizes, malformed and huge requests, bugs that must not leak, binding beyond loopback."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import openai
import pytest
from llama_index.core.base.llms.types import ChatMessage

from ponder.agents.spec import AgentSpec
from ponder.backends.scripted import Reply, ScriptedBackend
from ponder.errors import ConfigError
from ponder.serve.app import create_app
from ponder.serve.served import ServedAgents
from ponder.serve.server import ServerThread
from ponder.serve.settings import ServeSettings
from tests.serve.helpers import echo_agents, running, settings

KEY = "sk-test-0123456789abcdef"
CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[ServerThread]:
    with running(echo_agents(tmp_path, api_key=KEY)) as server:
        yield server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(echo_agents(tmp_path, max_body_bytes=64_000, max_messages=100, max_message_chars=10_000)) as server:
        yield server


def test_without_a_key_a_keyed_server_answers_401(keyed: ServerThread) -> None:
    response = httpx.post(f"{keyed.url}/v1/chat/completions", json=CHAT)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert "Authorization: Bearer" in response.json()["error"]["message"]


def test_a_wrong_key_is_refused_and_never_echoed(keyed: ServerThread) -> None:
    client = openai.OpenAI(base_url=f"{keyed.url}/v1", api_key="sk-wrong-key-that-is-long", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.models.list()
    assert "sk-wrong" not in str(caught.value)
    assert KEY not in str(caught.value)


def test_the_right_key_is_let_in(keyed: ServerThread) -> None:
    client = openai.OpenAI(base_url=f"{keyed.url}/v1", api_key=KEY, max_retries=0)
    assert client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "ok"}]).choices[0].message.content == "You said: ok"


def test_health_is_open_but_metrics_and_runs_need_the_key(keyed: ServerThread) -> None:
    assert httpx.get(f"{keyed.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{keyed.url}/metrics").status_code == 401
    assert httpx.get(f"{keyed.url}/v1/runs/run_000000000000000000000000").status_code == 401


def test_binding_beyond_loopback_needs_a_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs an API key") as caught:
        create_app(echo_agents(tmp_path, host="0.0.0.0"))
    assert "PONDER_SERVE_API_KEY" in caught.value.fix
    create_app(echo_agents(tmp_path, host="0.0.0.0", api_key=KEY))  # with one, it is allowed


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="shorter than 16"):
        ServeSettings(api_key="secret").check()


def test_an_oversized_body_is_refused_with_413(server: ServerThread) -> None:
    big = {"model": "echo", "messages": [{"role": "user", "content": "x" * 100_000}]}
    response = httpx.post(f"{server.url}/v1/chat/completions", json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_an_oversized_body_without_a_length_is_cut_off_while_read(server: ServerThread) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"model": "echo", "messages": [{"role": "user", "content": "'
        for _ in range(200):
            yield b"y" * 1000
        yield b'"}]}'

    response = httpx.post(f"{server.url}/v1/chat/completions", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_malformed_json_is_a_400(server: ServerThread) -> None:
    response = httpx.post(f"{server.url}/v1/chat/completions", content=b'{"model": "echo", "messages": [', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_a_body_that_is_not_an_object_is_a_400(server: ServerThread) -> None:
    response = httpx.post(f"{server.url}/v1/chat/completions", json=["echo"])
    assert response.status_code == 400
    assert "JSON object" in response.json()["error"]["message"]


def test_ten_thousand_messages_are_refused_and_the_server_keeps_serving(tmp_path: Path) -> None:
    with running(echo_agents(tmp_path)) as server:  # default limits: 1 MB, 200 messages
        flood = {"model": "echo", "messages": [{"role": "user", "content": "hi"}] * 10_000}
        response = httpx.post(f"{server.url}/v1/chat/completions", json=flood)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "too_many_messages"
        assert httpx.post(f"{server.url}/v1/chat/completions", json=CHAT).status_code == 200


def test_a_message_over_the_length_limit_is_refused(server: ServerThread) -> None:
    response = httpx.post(f"{server.url}/v1/chat/completions", json={"model": "echo", "messages": [{"role": "user", "content": "z" * 20_000}]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "message_too_long"


def test_a_bug_becomes_a_500_with_a_reference_and_no_traceback_or_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(messages: Sequence[ChatMessage]) -> Reply:
        raise RuntimeError("token=sk-live-SECRET in a crashing model")

    agents = ServedAgents(settings(tmp_path))
    agents.add(AgentSpec(tools=[]), model_id="broken", backend=ScriptedBackend(responder=broken))
    with ServerThread(create_app(agents)) as server:
        response = httpx.post(f"{server.url}/v1/chat/completions", json={**CHAT, "model": "broken"})
        after = httpx.post(f"{server.url}/v1/chat/completions", json={**CHAT, "model": "broken", "stream": True})
    assert response.status_code == 500
    body = response.text
    assert "sk-live-SECRET" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert response.json()["error"]["code"] == "internal_error"
    reference = response.json()["error"]["message"].split("reference ")[1].split(")")[0]
    logged = capsys.readouterr().err  # the server's log
    assert f"internal error {reference}: RuntimeError at" in logged
    assert "sk-live-SECRET" not in logged and "Traceback" not in logged
    assert '"internal_error"' in after.text and "sk-live-SECRET" not in after.text  # mid-stream: an error chunk


def test_cors_is_off_unless_configured(tmp_path: Path) -> None:
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    with running(echo_agents(tmp_path)) as server:
        response = httpx.options(f"{server.url}/v1/chat/completions", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
    with running(echo_agents(tmp_path, cors_origins=["https://app.example"])) as server:
        response = httpx.options(f"{server.url}/v1/chat/completions", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://app.example"
