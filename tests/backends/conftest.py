"""Fixtures: the fake model servers, each on 127.0.0.1 and a free port for one test; llama.cpp's real one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ponder.testing.llama_server import INSTALL, LlamaServer, missing_modules
from tests.fakes.ollama_server import FakeOllamaServer
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def ollama_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOllamaServer]:
    """A fake Ollama with ``qwen2.5:1.5b`` pulled; OLLAMA_HOST points at it."""
    with FakeOllamaServer() as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        yield server


def _llama_server(chat_format: str | None) -> Iterator[LlamaServer]:
    """llama_cpp.server on the embedded model; skipped when the server or the model is not installed."""
    missing = missing_modules()
    if missing:
        pytest.skip(f"llama_cpp.server cannot be imported (missing {', '.join(missing)}): {INSTALL}")
    from ponder.backends.local.files import ensure_model_file, local_model_status

    usable, status = local_model_status()
    if not usable:
        pytest.skip(f"the embedded model is not installed: {status}")
    with LlamaServer(ensure_model_file(), chat_format=chat_format) as server:
        yield server


# Class-scoped: each group of tests shares one server (loading it costs seconds), and the first
# is stopped before the second starts, so two 1 GB models never compete for the shared cores.
@pytest.fixture(scope="class")
def llama_server() -> Iterator[LlamaServer]:
    """llama.cpp's OpenAI server with the GGUF's own chat template (tool calls arrive as text)."""
    yield from _llama_server(None)


@pytest.fixture(scope="class")
def llama_function_server() -> Iterator[LlamaServer]:
    """The same server with ``--chat_format chatml-function-calling`` (structured ``tool_calls``)."""
    yield from _llama_server("chatml-function-calling")
