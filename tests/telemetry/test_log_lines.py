"""What Ponder logs, and at which level: tool timeouts and failures, cache hits, index loads, MCP and backend faults."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.backends.base import ModelRequest
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.tools.base import tool


@tool
def slow(seconds: float) -> str:
    """Sleep, then answer.

    Args:
        seconds: how long to sleep
    """
    time.sleep(seconds)
    return "done"


@tool
def explode(reason: str) -> str:
    """Always fails.

    Args:
        reason: why
    """
    raise RuntimeError(f"exploded: {reason}")


def lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == logger]


def test_a_tool_timeout_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("slow", {"seconds": 2})]), "gave up"])
    with caplog.at_level(logging.WARNING, logger="ponder"):
        Agent(backend, tools=[slow], limits=Limits(tool_timeout=0.2)).run("wait")
    assert lines(caplog, "ponder.agents.tool_runner") == [
        (logging.WARNING, "tool slow did not finish within 0.2s; the model is told it timed out")
    ]


def test_a_failing_tool_is_an_info_line_with_its_error(caplog: pytest.LogCaptureFixture) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("explode", {"reason": "on purpose"})]), "it failed"])
    with caplog.at_level(logging.INFO, logger="ponder"):
        Agent(backend, tools=[explode]).run("try it on purpose")
    ((level, message),) = lines(caplog, "ponder.agents.tool_runner")
    assert level == logging.INFO and message.startswith("tool explode failed after ")
    assert message.endswith("s: RuntimeError: exploded: on purpose")


def test_response_cache_misses_and_hits_are_debug_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from ponder.evals.cache import CacheStore, CachingBackend

    store = CacheStore.in_dir(tmp_path)
    request = ModelRequest(messages=[ChatMessage(role=MessageRole.USER, content="hi")])
    backend = CachingBackend(ScriptedBackend(["hello", "hello again"]), store)
    with caplog.at_level(logging.DEBUG, logger="ponder"):
        list(backend.stream(request))
        list(backend.stream(request))
    store.close()
    messages = [m for _, m in lines(caplog, "ponder.evals.cache")]
    assert [m.split(" (")[0] for m in messages] == ["response cache miss for script", "response cache hit for script"]
    assert {level for level, _ in lines(caplog, "ponder.evals.cache")} == {logging.DEBUG}


def test_loading_a_knowledge_base_index_is_an_info_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.knowledge.conftest import make_base, write_docs

    monkeypatch.chdir(tmp_path)
    write_docs(tmp_path / "docs")
    make_base(tmp_path).index()
    base = make_base(tmp_path)
    with caplog.at_level(logging.INFO, logger="ponder"):
        base.search("tomatoes")
        base.search("sun")  # loaded once
    ((level, message),) = lines(caplog, "ponder.knowledge.base")
    assert level == logging.INFO
    assert message.startswith("knowledge base 'docs' loaded from ") and "from 4 files, bm25 retrieval" in message


def test_an_mcp_server_that_cannot_start_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("mcp")
    from ponder.config import McpServerConfig
    from ponder.tools.mcp import mcp_tools

    config = McpServerConfig(command="/nonexistent/mcp-server-for-a-test")
    with caplog.at_level(logging.WARNING, logger="ponder"):
        tools, warnings = mcp_tools({"ghost": config}, timeout=5)
    ((level, message),) = lines(caplog, "ponder.tools.mcp")
    assert tools == [] and level == logging.WARNING
    assert message.startswith("MCP server 'ghost'") and message.endswith("its tools are left out")


def test_a_backend_failure_is_a_debug_line_naming_the_clients_exception(caplog: pytest.LogCaptureFixture) -> None:
    from ponder.backends.openai.backend import OpenAIBackend
    from ponder.errors import BackendUnavailable

    backend = OpenAIBackend("qwen", base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=5)
    request = ModelRequest(messages=[ChatMessage(role=MessageRole.USER, content="hi")])
    with caplog.at_level(logging.DEBUG, logger="ponder"), pytest.raises(BackendUnavailable):
        list(backend.stream(request))
    ((level, message),) = lines(caplog, "ponder.backends.retry")
    assert level == logging.DEBUG and message.startswith("the model server's client raised APIConnectionError")
    assert message.endswith("reported as BackendUnavailable")
