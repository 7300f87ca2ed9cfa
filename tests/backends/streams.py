"""Helpers shared by the backend tests: build a request, drain a backend's stream, find a free port."""

from __future__ import annotations

import socket

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.backends.base import Backend, ModelReply, ModelRequest


def ask(text: str, **kwargs: object) -> ModelRequest:
    return ModelRequest(messages=[ChatMessage(role=MessageRole.USER, content=text)], **kwargs)  # type: ignore[arg-type]


def drain(backend: Backend, request: ModelRequest) -> tuple[list[str], ModelReply]:
    deltas: list[str] = []
    replies: list[ModelReply] = []
    for item in backend.stream(request):
        if isinstance(item, ModelReply):
            replies.append(item)
        else:
            deltas.append(item)
    assert len(replies) == 1, "a stream ends with exactly one ModelReply"
    return deltas, replies[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
