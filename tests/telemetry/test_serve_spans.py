"""Runs served by `ponder serve` are traced like any other, and a pause for approval is not an error."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed: pip install 'ponder[otel]'")
pytest.importorskip("sse_starlette", reason="the serve extra is not installed: pip install 'ponder[serve]'")

import httpx  # noqa: E402

from ponder.agents.spec import AgentSpec  # noqa: E402
from tests.serve.helpers import APPROVAL_TOOL, SHOUT_TOOL, calling, echo_agents, running  # noqa: E402
from tests.serve.runs_client import events  # noqa: E402
from tests.serve.tools import LOG_ENV  # noqa: E402
from tests.telemetry.conftest import Traces, by_name, one  # noqa: E402


def test_a_served_chat_completion_is_one_trace_with_its_tool_call(traces: Traces, tmp_path: Path) -> None:
    agents = echo_agents(tmp_path)
    agents.add(AgentSpec(tools=[SHOUT_TOOL]), model_id="shouter", backend=calling("shout", {"text": "hi"}))
    with running(agents) as server:
        body = {"model": "shouter", "messages": [{"role": "user", "content": "shout hi"}]}
        reply = httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=60).json()
    spans = traces.collect()
    run, call, chats = one(spans, "invoke_agent"), one(spans, "execute_tool shout"), by_name(spans, "chat tool-caller")
    assert reply["choices"][0]["message"]["content"] == "Done: HI"
    assert len(chats) == 2 and {c.parent_id for c in [*chats, call]} == {run.span_id}
    assert run.attributes["ponder.stop_reason"] == "answer"


def test_a_run_paused_for_approval_ends_its_spans_as_stopped_not_failed(
    traces: Traces, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LOG_ENV, str(tmp_path / "notes.txt"))
    agents = echo_agents(tmp_path)
    agents.add(AgentSpec(tools=[APPROVAL_TOOL]), model_id="noter", backend=calling("append_note", {"text": "hello"}))
    with running(agents) as server:
        pending = events(server.url, "/v1/runs", {"model": "noter", "input": "write hello"})[-1]
    spans = traces.collect()
    run, call = one(spans, "invoke_agent"), one(spans, "execute_tool append_note")
    assert pending["type"] == "ApprovalPending"
    for span in (run, call):
        assert span.status == "UNSET" and span.attributes["ponder.stopped_by"] == "PauseForApproval"
