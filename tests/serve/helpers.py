"""Servers for the tests: real uvicorn on 127.0.0.1, agents on scripted or slow models."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents.spec import AgentSpec
from ponder.backends.base import Backend, Capabilities, ModelReply, ModelRequest, TextGuard
from ponder.backends.scripted import Reply, Scripted, ScriptedBackend, ScriptedLLM
from ponder.serve.app import create_app
from ponder.serve.served import ServedAgents
from ponder.serve.server import ServerThread
from ponder.serve.settings import ServeSettings

APPROVAL_TOOL = "tests.serve.tools:append_note"
SHOUT_TOOL = "tests.serve.tools:shout"


def settings(tmp_path: Path, **changes: Any) -> ServeSettings:
    return ServeSettings(state_dir=tmp_path / "state", **changes)


@contextmanager
def running(agents: ServedAgents) -> Iterator[ServerThread]:
    with ServerThread(create_app(agents)) as server:
        yield server


def echo_agents(tmp_path: Path, **changes: Any) -> ServedAgents:
    agents = ServedAgents(settings(tmp_path, **changes))
    agents.add(AgentSpec(model="scripted:echo", tools=[]), model_id="echo")
    return agents


def last_user(messages: Sequence[ChatMessage]) -> str:
    return next(str(m.content) for m in reversed(messages) if m.role == MessageRole.USER)


def tool_output(messages: Sequence[ChatMessage]) -> str | None:
    """The latest tool result in a conversation (a tool message, or the text protocol's observation)."""
    for m in reversed(messages):
        if m.role == MessageRole.TOOL:
            return str(m.content)
        if m.role == MessageRole.USER and str(m.content).startswith("Observation from"):
            return str(m.content).split("\n", 1)[1]
    return None


def calling(tool: str, arguments: dict[str, Any], *, native: bool = True) -> ScriptedBackend:
    """A model that calls ``tool`` once, then answers with what the tool returned."""

    def respond(messages: Sequence[ChatMessage]) -> Reply:
        output = tool_output(messages)
        if output is not None:
            return f"Done: {output}"
        if native:
            return Scripted(tool_calls=[(tool, arguments)])
        call = json.dumps({"name": tool, "arguments": arguments})
        return f"<tool_call>{call}</tool_call>"

    return ScriptedBackend(responder=respond, native_tool_calls=native, model="tool-caller")


class DripBackend(Backend):
    """A slow model: one word every ``interval`` seconds; counts the words it wrote."""

    provider = "drip"

    def __init__(self, words: int = 200, interval: float = 0.02) -> None:
        self.model = "drip"
        self.words = words
        self.interval = interval
        self.written = 0
        self.capabilities = Capabilities(native_tool_calls=True, streaming_with_tools=True, context_window=32768)
        self._llm = ScriptedLLM()

    @property
    def llm(self) -> ScriptedLLM:
        return self._llm

    def _words(self) -> Iterator[str]:
        for i in range(self.words):
            time.sleep(self.interval)
            self.written += 1
            yield f"word{i} "

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        guard = TextGuard(request)  # applies the loop's stop_when (its cancel check included)
        for word in self._words():
            shown, done = guard.feed(word)
            if shown:
                yield shown
            if done:
                break
        yield from guard.rest()
        yield ModelReply(text=guard.text)


def metric(base_url: str, name: str, **labels: str) -> float:
    """One sample of the server's Prometheus metrics (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{base_url}/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0
