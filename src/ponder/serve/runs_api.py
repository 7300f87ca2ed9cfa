"""The native run API: Ponder's typed events over SSE, run records, and durable approvals.

- ``POST /v1/runs`` ``{"model", "input" | "messages", "stream": true}`` streams the run's events
  (``event: <Type>``, ``data: Event.to_dict()`` plus ``run_id``); ``"stream": false`` waits and
  returns the run.
- A tool that needs approval ends the stream with ``ApprovalPending`` (the run is on disk first).
- ``POST /v1/runs/{id}/approve`` or ``/deny`` (``{"call_id"?, "stream"?}``) settles the call and
  streams the rest of the run, also after a restart.
- ``GET /v1/runs/{id}``: status (running, paused, finished, interrupted), the pending call, the ``RunResult``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ponder.agents import events as ev
from ponder.serve import errors
from ponder.serve.chat_api import RUN_HEADER, until_disconnect
from ponder.serve.conversation import read_messages
from ponder.serve.openai_compat import read_model
from ponder.serve.runner import Finished
from ponder.serve.runs import Execution, run_view
from ponder.serve.security import log_unexpected, read_json
from ponder.serve.sse import RunStream, dumps
from ponder.serve.state import ServeState
from ponder.serve.store import RUN_ID


async def create_run(request: Request) -> Response | RunStream:
    state = ServeState.of(request)
    body = await read_json(request, state.settings.max_body_bytes)
    served = state.served(read_model(body))
    if "messages" in body:
        conversation = read_messages(body["messages"], state.settings)
    elif isinstance(body.get("input"), str):
        conversation = read_messages([{"role": "user", "content": body["input"]}], state.settings, param="input")
    else:
        raise errors.bad_request("send the task as 'input' (a string) or the conversation as 'messages'", param="input")
    execution = state.runs.start(served, conversation, durable=True)
    return await _respond(request, execution, _wants_stream(body))


async def get_run(request: Request) -> Response:
    state = ServeState.of(request)
    return JSONResponse(await state.runs.view(_run_id(request)))


async def approve_run(request: Request) -> Response | RunStream:
    return await _decide(request, approve=True)


async def deny_run(request: Request) -> Response | RunStream:
    return await _decide(request, approve=False)


async def _decide(request: Request, *, approve: bool) -> Response | RunStream:
    state = ServeState.of(request)
    run_id = _run_id(request)
    body: Any = {}
    if request.headers.get("content-length", "0") != "0" or request.headers.get("transfer-encoding"):
        body = await read_json(request, state.settings.max_body_bytes)
    if not isinstance(body, dict):
        raise errors.bad_request("the body must be a JSON object: {\"call_id\": ..., \"stream\": ...}")
    call_id = body.get("call_id")
    if call_id is not None and not isinstance(call_id, str):
        raise errors.bad_request("'call_id' must be a string", param="call_id")
    execution = await state.runs.resume(run_id, approve=approve, call_id=call_id)
    return await _respond(request, execution, _wants_stream(body))


async def _respond(request: Request, execution: Execution, stream: bool) -> Response | RunStream:
    headers = {RUN_HEADER: execution.run_id}
    if stream:
        return RunStream(execution, _events(execution), headers)
    try:
        outcome = await until_disconnect(request, execution.outcome())
    finally:
        execution.abandon()
    if outcome is None:
        return Response(status_code=499)
    run = execution.run
    if isinstance(outcome, Finished):
        return JSONResponse(run_view(run.id, run.served.id, "finished", result=outcome.result), headers=headers)
    pending = outcome.pending.model_dump()
    return JSONResponse(run_view(run.id, run.served.id, "paused", pending=pending), headers=headers)


async def _events(execution: Execution) -> AsyncIterator[dict[str, Any]]:
    seq = 0
    try:
        async for event in execution.events():
            seq += 1
            yield _frame(event, execution.run_id, seq)
    except Exception as exc:
        error = errors.internal(log_unexpected(exc))
        yield {"event": "error", "data": dumps(error.body())}


def _frame(event: ev.Event, run_id: str, seq: int) -> dict[str, Any]:
    data = event.to_dict()
    data["run_id"] = run_id
    return {"event": data["type"], "id": str(seq), "data": dumps(data)}


def _wants_stream(body: dict[str, Any]) -> bool:
    stream = body.get("stream", True)
    if not isinstance(stream, bool):
        raise errors.bad_request("'stream' must be true or false", param="stream")
    return stream


def _run_id(request: Request) -> str:
    run_id = str(request.path_params["run_id"])
    if not RUN_ID.match(run_id):
        raise errors.ApiError(404, f"no run {run_id[:40]!r} on this server", code="run_not_found", param="run_id")
    return run_id
