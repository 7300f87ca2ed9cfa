"""Other real clients of a served agent: LlamaIndex's ``OpenAILike`` and Ponder's own ``openai:`` backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms.openai_like import OpenAILike

from ponder.agents.agent import Agent
from ponder.agents.spec import AgentSpec
from ponder.backends.registry import resolve_backend
from ponder.serve.server import ServerThread
from tests.serve.helpers import SHOUT_TOOL, calling, echo_agents, running


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    agents = echo_agents(tmp_path)
    agents.add(AgentSpec(tools=[SHOUT_TOOL]), model_id="shouter", backend=calling("shout", {"text": "inner agent"}))
    with running(agents) as server:
        yield server


def llama_index_llm(server: ServerThread, model: str) -> OpenAILike:
    return OpenAILike(model=model, api_base=f"{server.url}/v1", api_key="unused", is_chat_model=True, max_retries=0)


def test_llama_index_chat(server: ServerThread) -> None:
    reply = llama_index_llm(server, "echo").chat([ChatMessage(role=MessageRole.USER, content="from LlamaIndex")])
    assert reply.message.content == "You said: from LlamaIndex"


def test_llama_index_stream_chat(server: ServerThread) -> None:
    stream = llama_index_llm(server, "echo").stream_chat([ChatMessage(role=MessageRole.USER, content="streamed to LlamaIndex")])
    deltas = [r.delta for r in stream if r.delta]
    assert len(deltas) > 1
    assert "".join(deltas) == "You said: streamed to LlamaIndex"


def test_a_ponder_agent_uses_a_served_ponder_agent_as_its_model(server: ServerThread) -> None:
    outer = Agent(resolve_backend("openai:shouter", base_url=f"{server.url}/v1", max_retries=0), tools=[])
    result = outer.run("Ask the inner agent to shout.")
    assert result.answer == "Done: INNER AGENT"  # the served agent ran its tool; the outer one saw only the answer
    assert result.stop_reason.value == "answer"
    assert result.usage.prompt_tokens > 0


def test_a_ponder_agent_reaches_the_server_through_openai_base_url(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    result = Agent(model="openai:echo", tools=[]).run("hello from the outside")
    assert result.answer == "You said: hello from the outside"
