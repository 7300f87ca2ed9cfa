"""``POST /v1/chat/completions``: one agent run per request, answered the way OpenAI answers.

The request's messages are the conversation; the agent runs its tools here and its answer is
the assistant message. A backend failure is a 502 (or, mid-stream, an ``error`` chunk as OpenAI
sends one); the run id and stop reason are in ``Ponder-Run-Id`` / ``Ponder-Stop-Reason`` headers
and in the ``ponder`` field.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ponder.serve import errors
from ponder.serve.openai_compat import (
    AnswerStream,
    ChatRequest,
    Envelope,
    finish_reason,
    ponder_block,
    read_chat_request,
    read_model,
)
from ponder.serve.runner import Finished
from ponder.serve.runs import Execution
from ponder.serve.security import log_unexpected, read_json
from ponder.serve.sse import RunStream, dumps
from ponder.serve.state import ServeState

T = TypeVar("T")
RUN_HEADER = "Ponder-Run-Id"
STOP_HEADER = "Ponder-Stop-Reason"


async def chat_completions(request: Request) -> Response | RunStream:
    state = ServeState.of(request)
    body = await read_json(request, state.settings.max_body_bytes)
    served = state.served(read_model(body))
    chat = read_chat_request(body, state.settings)
    execution = state.runs.start(served, chat.conversation, durable=False)
    envelope = Envelope(execution.run_id, served.id, int(time.time()), served.spec.fingerprint)
    if chat.stream:
        content = _chunks(state, execution, envelope, chat, list(served.agent.tools))
        return RunStream(execution, content, {RUN_HEADER: execution.run_id})
    try:
        outcome = await until_disconnect(request, execution.outcome())
    finally:
        execution.abandon()
    if outcome is None:
        return Response(status_code=499)  # the client is gone; nothing is sent
    assert isinstance(outcome, Finished), "chat runs never pause"
    if outcome.error is not None:
        raise backend_failed(outcome.error.message)
    headers = {RUN_HEADER: execution.run_id, STOP_HEADER: outcome.result.stop_reason.value}
    return JSONResponse(envelope.completion(outcome.result), headers=headers)


async def _chunks(
    state: ServeState, execution: Execution, envelope: Envelope, chat: ChatRequest, tools: list[str]
) -> AsyncIterator[dict[str, Any]]:
    started = time.perf_counter()
    usage = chat.include_usage
    answer = AnswerStream(tools)
    yield {"data": dumps(envelope.chunk({"role": "assistant", "content": "", "refusal": None}, with_usage=usage))}
    first = True
    try:
        async for event in execution.events():
            piece = answer.feed(event)
            if piece:
                if first:
                    state.metrics.first_token.observe(time.perf_counter() - started)
                    first = False
                yield {"data": dumps(envelope.chunk({"content": piece}, with_usage=usage))}
    except Exception as exc:
        yield {"data": dumps(errors.internal(log_unexpected(exc)).body())}
        return
    outcome = execution.result
    assert isinstance(outcome, Finished)
    if outcome.error is not None:
        yield {"data": dumps(backend_failed(outcome.error.message).body())}
        return
    result = outcome.result
    last = envelope.chunk({}, finish=finish_reason(result), with_usage=usage)
    last["ponder"] = ponder_block(execution.run_id, result)
    yield {"data": dumps(last)}
    if usage:
        yield {"data": dumps(envelope.usage_chunk(result))}
    yield {"data": "[DONE]"}


def backend_failed(message: str) -> errors.ApiError:
    return errors.ApiError(502, f"The agent's model failed: {message}", type="server_error", code="backend_error")


async def until_disconnect(request: Request, work: Awaitable[T]) -> T | None:
    """``work``'s result, or None (and ``work`` cancelled) if the client hangs up first."""
    task = asyncio.ensure_future(work)

    async def hang_up() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(hang_up())
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if task.done():
        return task.result()
    task.cancel()
    return None
