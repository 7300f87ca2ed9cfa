"""Server-sent events through ``sse-starlette``, framed the way OpenAI frames its streams (``\\n``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette.sse import EventSourceResponse
from starlette.types import Receive, Scope, Send

from ponder.serve.runs import Execution

PING_SECONDS = 15
"""A comment line this often keeps proxies from closing a stream while a step runs (clients skip it)."""


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class RunStream:
    """An SSE response for one execution that gives the run's place back however the response ends.

    A client that hangs up before the stream starts never runs the generator, so its ``finally``
    cannot be relied on to release the lane: this wrapper does it.
    """

    def __init__(self, execution: Execution, content: AsyncIterator[dict[str, Any]], headers: dict[str, str]) -> None:
        self.execution = execution
        self.response = EventSourceResponse(content, headers=headers, sep="\n", ping=PING_SECONDS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.response(scope, receive, send)
        finally:
            self.execution.abandon()
