"""HTTP clients for OpenAI-compatible servers that send ``"content": ""`` where LlamaIndex sends ``null``.

LlamaIndex serialises an assistant turn that only calls tools as ``{"content": null, "tool_calls":
[...]}``. OpenAI accepts it; llama.cpp's server answers HTTP 500, which is why a stock
``FunctionAgent`` scored 0/30 there and 24/30 once the content was ``""`` (see DESIGN.md).
Mending the request body in ``send`` fixes every path through ``backend.llm`` (sync and async,
our loop and stock LlamaIndex agents alike) without copying LlamaIndex's serialisation code.

The sync client also hands out the responses it opens (``capture``): the SDK's ``Stream``
holds itself in a reference cycle, so a stream abandoned early stays open (and the server
keeps generating) until the garbage collector runs. The backend closes them itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from openai import DefaultAsyncHttpxClient, DefaultHttpxClient


def with_empty_content(request: httpx.Request) -> httpx.Request:
    """The same request with ``content: null`` on assistant messages replaced by ``""``."""
    if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
        return request
    try:
        body = json.loads(request.content)
    except (ValueError, httpx.RequestNotRead):
        return request
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return request
    changed = False
    for message in messages:
        if (
            isinstance(message, dict)
            and message.get("role") == "assistant"
            and message.get("content") is None
        ):
            message["content"] = ""
            changed = True
    if not changed:
        return request
    headers = httpx.Headers(request.headers)
    headers.pop("content-length", None)
    return httpx.Request(
        request.method,
        request.url,
        headers=headers,
        content=json.dumps(body).encode("utf-8"),
        extensions=request.extensions,
    )


class CompatibleClient(DefaultHttpxClient):
    """OpenAI's default httpx client (its limits and timeouts), mending each request body."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._local = threading.local()

    @contextmanager
    def capture(self) -> Iterator[list[httpx.Response]]:
        """The responses this thread receives inside the block, for the caller to close."""
        previous = getattr(self._local, "opened", None)
        opened: list[httpx.Response] = []
        self._local.opened = opened
        try:
            yield opened
        finally:
            self._local.opened = previous

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = super().send(with_empty_content(request), **kwargs)
        opened = getattr(self._local, "opened", None)
        if opened is not None:
            opened.append(response)
        return response


class AsyncCompatibleClient(DefaultAsyncHttpxClient):
    """The async twin of ``CompatibleClient`` (stock LlamaIndex agents call the async API)."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        return await super().send(with_empty_content(request), **kwargs)
