"""The native run API: typed events, run records, and approvals that pause and resume a run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ponder.agents.spec import AgentSpec
from ponder.serve.served import ServedAgents
from ponder.serve.server import ServerThread
from tests.serve.helpers import APPROVAL_TOOL, calling, echo_agents, running, settings
from tests.serve.runs_client import events, types
from tests.serve.tools import LOG_ENV


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "notes.txt"
    monkeypatch.setenv(LOG_ENV, str(path))
    return path


def guarded_agents(tmp_path: Path, *, native: bool = True) -> ServedAgents:
    agents = echo_agents(tmp_path)
    agents.add(AgentSpec(tools=[APPROVAL_TOOL]), model_id="noter", backend=calling("append_note", {"text": "hello"}, native=native))
    return agents


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(guarded_agents(tmp_path)) as server:
        yield server


def test_a_run_streams_its_typed_events(server: ServerThread) -> None:
    found = events(server.url, "/v1/runs", {"model": "echo", "input": "ping"})
    assert types(found) == ["RunStarted", "StepStarted", *["TextDelta"] * 2, "UsageEvent", "Answer", "RunFinished"]
    assert found[-1]["result"]["answer"] == "You said: ping"
    assert len({e["run_id"] for e in found}) == 1


def test_a_finished_run_can_be_read_back(server: ServerThread) -> None:
    found = events(server.url, "/v1/runs", {"model": "echo", "messages": [{"role": "user", "content": "keep me"}]})
    run = httpx.get(f"{server.url}/v1/runs/{found[0]['run_id']}").json()
    assert run["status"] == "finished"
    assert run["result"]["answer"] == "You said: keep me"


def test_a_run_without_streaming_returns_the_run(server: ServerThread) -> None:
    response = httpx.post(f"{server.url}/v1/runs", json={"model": "echo", "input": "quiet", "stream": False})
    assert response.json()["result"]["answer"] == "You said: quiet"
    assert response.headers["ponder-run-id"] == response.json()["id"]


def test_a_chat_completion_run_can_be_read_back(server: ServerThread) -> None:
    reply = httpx.post(f"{server.url}/v1/chat/completions", json={"model": "echo", "messages": [{"role": "user", "content": "x"}]})
    run = httpx.get(f"{server.url}/v1/runs/{reply.headers['ponder-run-id']}").json()
    assert run["status"] == "finished" and run["result"]["answer"] == "You said: x"


def test_an_unknown_run_is_a_404(server: ServerThread) -> None:
    assert httpx.get(f"{server.url}/v1/runs/run_0123456789abcdef01234567").status_code == 404
    assert httpx.get(f"{server.url}/v1/runs/..%2F..%2Fetc").status_code == 404
    assert httpx.post(f"{server.url}/v1/runs/run_0123456789abcdef01234567/approve").status_code == 404


def test_a_tool_that_needs_approval_pauses_the_run_before_it_runs(server: ServerThread, notes: Path) -> None:
    found = events(server.url, "/v1/runs", {"model": "noter", "input": "write hello"})
    pending = found[-1]
    assert pending["type"] == "ApprovalPending"
    assert (pending["name"], pending["arguments"]) == ("append_note", {"text": "hello"})
    assert "append_note wants to run" in pending["description"]
    assert not notes.exists()  # never run without approval
    run = httpx.get(f"{server.url}/v1/runs/{pending['run_id']}").json()
    assert run["status"] == "paused"
    assert run["pending_approval"]["call_id"] == pending["call_id"]


@pytest.mark.parametrize("native", [True, False], ids=["native calls", "text protocol"])
def test_an_approved_call_runs_once_and_the_run_finishes(tmp_path: Path, notes: Path, native: bool) -> None:
    agents = guarded_agents(tmp_path, native=native)
    with running(agents) as server:
        pending = events(server.url, "/v1/runs", {"model": "noter", "input": "write hello"})[-1]
        rest = events(server.url, f"/v1/runs/{pending['run_id']}/approve", {"call_id": pending["call_id"]})
        run = httpx.get(f"{server.url}/v1/runs/{pending['run_id']}").json()
    backend = agents.get("noter").agent.backend  # type: ignore[union-attr]
    answered = backend.requests[-1].messages[-1]  # type: ignore[attr-defined]
    if native:  # the result answers the model's own call id, as the API requires
        assert (answered.role.value, answered.additional_kwargs["tool_call_id"]) == ("tool", pending["call_id"])
    else:
        assert answered.role.value == "user" and str(answered.content).startswith("Observation from append_note")
    assert types(rest)[0] == "ToolResult" and rest[0]["ok"] is True
    assert rest[-1]["type"] == "RunFinished"
    result = rest[-1]["result"]
    assert result["answer"] == "Done: appended 'hello'"
    assert [(c["name"], c["ok"]) for c in result["trajectory"]] == [("append_note", True)]
    assert result["steps"] == 2
    assert result["usage"]["model_calls"] == 2
    assert notes.read_text() == "hello\n"
    assert run["status"] == "finished" and run["result"]["answer"] == result["answer"]


def test_a_denied_call_never_runs_and_the_model_is_told(server: ServerThread, notes: Path) -> None:
    pending = events(server.url, "/v1/runs", {"model": "noter", "input": "write hello"})[-1]
    rest = events(server.url, f"/v1/runs/{pending['run_id']}/deny", {})
    assert rest[0]["type"] == "ToolResult" and rest[0]["error_kind"] == "refused"
    assert rest[-1]["result"]["answer"].startswith("Done: The user did not approve running append_note")
    assert not notes.exists()


def test_a_run_is_settled_once(server: ServerThread, notes: Path) -> None:
    pending = events(server.url, "/v1/runs", {"model": "noter", "input": "write hello"})[-1]
    url = f"{server.url}/v1/runs/{pending['run_id']}"
    assert httpx.post(f"{url}/approve", json={"call_id": "call_other"}).json()["error"]["code"] == "call_not_pending"
    assert httpx.post(f"{url}/approve", json={"stream": False}).json()["status"] == "finished"
    again = httpx.post(f"{url}/approve", json={"stream": False})
    assert again.status_code == 409 and "finished" in again.json()["error"]["message"]
    assert notes.read_text() == "hello\n"


def test_a_paused_run_resumes_on_a_new_server_over_the_same_state(tmp_path: Path, notes: Path) -> None:
    with running(guarded_agents(tmp_path)) as first:
        pending = events(first.url, "/v1/runs", {"model": "noter", "input": "write hello"})[-1]
    with running(guarded_agents(tmp_path)) as second:
        assert httpx.get(f"{second.url}/v1/runs/{pending['run_id']}").json()["status"] == "paused"
        done = httpx.post(f"{second.url}/v1/runs/{pending['run_id']}/approve", json={"stream": False}).json()
    assert done["result"]["answer"] == "Done: appended 'hello'"
    assert notes.read_text() == "hello\n"


def test_a_paused_run_resumes_even_if_its_agent_is_no_longer_served(tmp_path: Path, notes: Path) -> None:
    agents = ServedAgents(settings(tmp_path))
    agents.add(AgentSpec(model="scripted:echo", tools=[APPROVAL_TOOL]), model_id="noter", backend=calling("append_note", {"text": "hi"}))
    with running(agents) as first:
        pending = events(first.url, "/v1/runs", {"model": "noter", "input": "write"})[-1]
    with running(echo_agents(tmp_path)) as second:  # serves only "echo": the spec is rebuilt (scripted:echo)
        done = httpx.post(f"{second.url}/v1/runs/{pending['run_id']}/approve", json={"stream": False}).json()
    assert done["status"] == "finished"
    assert done["result"]["trajectory"][0]["output"] == "appended 'hi'"
    assert done["result"]["answer"].startswith("You said:")  # the rebuilt agent's model (echo) answered


def test_calls_after_the_paused_one_in_the_same_turn_are_answered_as_not_run(tmp_path: Path, notes: Path) -> None:
    from collections.abc import Sequence

    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    from ponder.backends.scripted import Reply, Scripted, ScriptedBackend

    def two_calls(messages: Sequence[ChatMessage]) -> Reply:
        if any(m.role == MessageRole.TOOL for m in messages):
            return "Both handled."
        return Scripted(tool_calls=[("append_note", {"text": "first"}), ("shout", {"text": "second"})])

    backend = ScriptedBackend(responder=two_calls)
    agents = ServedAgents(settings(tmp_path))
    agents.add(AgentSpec(tools=[APPROVAL_TOOL, "tests.serve.tools:shout"]), model_id="two", backend=backend)
    with running(agents) as server:
        pending = events(server.url, "/v1/runs", {"model": "two", "input": "do both"})[-1]
        done = httpx.post(f"{server.url}/v1/runs/{pending['run_id']}/approve", json={"stream": False}).json()
    assert done["result"]["answer"] == "Both handled."
    answers = [m for m in backend.requests[-1].messages if m.role == MessageRole.TOOL]
    assert [(m.additional_kwargs["tool_call_id"], m.content) for m in answers] == [
        ("call_1_0", "appended 'first'"),
        ("call_1_1", "Not run: the run paused for approval before this call. Call it again if you still need it."),
    ]
    assert notes.read_text() == "first\n"
