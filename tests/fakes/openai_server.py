"""An OpenAI-compatible server: ``/v1/chat/completions`` (JSON and SSE) and ``/v1/models``.

Replies follow the wire format of OpenAI's API reference: a first chunk with the role, text
deltas, tool calls opened with their id and name and then streamed as argument fragments, a
finish chunk, a usage chunk when ``stream_options.include_usage`` asks for it, then
``data: [DONE]``. A reply can also replay a recorded body verbatim (``Reply(raw=...)``).

Errors use OpenAI's error body (``{"error": {"message", "type", "param", "code"}}``): 401 for a
wrong key, 404 for an unknown model, and whatever status a reply scripts. With
``refuse_null_content`` it answers like llama.cpp's server to an assistant message whose
content is null: HTTP 500; with ``refuse_streaming_tools``, like its ``chatml-function-calling``
format to a streamed request that offers tools: HTTP 500 as well. ``response_formats`` lists the
``response_format`` types it accepts (None: all); another gets what llama-cpp-python's server
answers ``json_schema``: its route handler turns FastAPI's validation error into HTTP 500 with the
error's text as the message.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.replies import Call, Reply
from tests.fakes.server import Exchange, FakeServer, pause, pieces


class FakeOpenAIServer(FakeServer):
    def __init__(
        self,
        *,
        api_key: str | None = None,
        models: tuple[str, ...] = (),
        refuse_null_content: bool = False,
        refuse_streaming_tools: bool = False,
        response_formats: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        """When set, requests must carry ``Authorization: Bearer <api_key>``."""
        self.models = models
        """When set, other model names get 404 model_not_found."""
        self.refuse_null_content = refuse_null_content
        self.refuse_streaming_tools = refuse_streaming_tools
        self.response_formats = response_formats
        self._ids = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def handle(self, method: str, path: str, body: Any, exchange: Exchange) -> None:
        if (
            self.api_key is not None
            and exchange.handler.headers.get("Authorization") != f"Bearer {self.api_key}"
        ):
            return _error(
                exchange,
                401,
                "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        if method == "GET" and path == "/v1/models":
            return exchange.json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models
                    ],
                },
            )
        if method != "POST" or path != "/v1/chat/completions":
            return _error(exchange, 404, f"Invalid URL ({method} {path})", "invalid_request_error", None)
        model = body.get("model")
        if self.models and model not in self.models:
            return _error(
                exchange,
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            )
        if self.refuse_null_content and any(
            m.get("role") == "assistant" and m.get("content") is None for m in body["messages"]
        ):
            return _error(
                exchange, 500, "'NoneType' object has no attribute 'strip'", "internal_server_error", None
            )
        if self.refuse_streaming_tools and body.get("stream") and body.get("tools"):
            return _error(
                exchange,
                500,
                "Automatic streaming tool choice is not supported",
                "internal_server_error",
                None,
            )
        kind = (body.get("response_format") or {}).get("type")
        if kind is not None and self.response_formats is not None and kind not in self.response_formats:
            allowed = " or ".join(f"'{k}'" for k in self.response_formats)
            problem = {"type": "literal_error", "loc": ("body", "response_format", "type"), "msg": f"Input should be {allowed}", "input": kind}
            return _error(exchange, 500, str([problem]), "internal_server_error", None)
        reply = self.next_reply(body)
        pause(reply.delay)
        self.inject(reply, exchange)
        if reply.status != 200:
            return _error(exchange, reply.status, reply.error or "scripted failure", "server_error", None, reply.headers)
        self._ids += 1
        completion_id = f"chatcmpl-fake{self._ids}"
        if not body.get("stream"):
            if reply.fault == "invalid_json":
                return exchange.body(200, b'{"id": "chatcmpl-x", "choices": [{"index": 0, "mess', "application/json")
            if reply.fault == "empty":
                return exchange.json(200, {**_completion(completion_id, model, reply), "choices": []})
            return exchange.json(200, _completion(completion_id, model, reply))
        exchange.start_stream("text/event-stream; charset=utf-8")
        if reply.raw is not None:
            exchange.send(reply.raw)
            return exchange.end_stream()
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = _chunks(completion_id, model, reply, include_usage)
        if reply.fault == "invalid_json":
            exchange.send('data: {"id": "chatcmpl-x", "choices": [{"delta": {"content": "Hel\n\n')
            exchange.send("data: [DONE]\n\n")
            return exchange.end_stream()
        if reply.fault == "empty":
            chunks = [{**c, "choices": []} for c in chunks[:1]]
        for i, chunk in enumerate(chunks):
            exchange.send(f"data: {json.dumps(chunk)}\n\n")
            if reply.fault == "cut" and i == 2:
                exchange.hang_up()
            if i == 1:
                pause(reply.stall)
                if reply.stream_error:
                    exchange.send(
                        f"data: {json.dumps({'error': {'message': reply.stream_error, 'type': 'server_error'}})}\n\n"
                    )
                    return exchange.end_stream()
            pause(reply.chunk_delay)
        exchange.send("data: [DONE]\n\n")
        exchange.end_stream()


def _error(
    exchange: Exchange, status: int, message: str, kind: str, code: str | None, headers: dict[str, str] | None = None
) -> None:
    exchange.json(status, {"error": {"message": message, "type": kind, "param": None, "code": code}}, headers)


def _call_id(call: Call, i: int) -> str:
    return call.id or f"call_fake{i}"


def _arguments(call: Call) -> str:
    return call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)


def _usage(reply: Reply) -> dict[str, Any] | None:
    if reply.prompt_tokens is None:
        return None
    completion = reply.completion_tokens or 0
    usage: dict[str, Any] = {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.prompt_tokens + completion,
    }
    if reply.cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": reply.cached_tokens, "audio_tokens": 0}
    return usage


def _completion(completion_id: str, model: str, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
    if reply.calls:
        message["tool_calls"] = [
            {
                "id": _call_id(c, i),
                "type": "function",
                "function": {"name": c.name, "arguments": _arguments(c)},
            }
            for i, c in enumerate(reply.calls)
        ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if reply.calls else "stop",
            }
        ],
        "usage": _usage(reply),
    }


def _chunks(completion_id: str, model: str, reply: Reply, include_usage: bool) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            out["usage"] = None
        return out

    out = [
        chunk(
            {"role": "assistant", "content": "" if reply.text or not reply.calls else None, "refusal": None}
        )
    ]
    out += [chunk({"content": piece}) for piece in pieces(reply.text, reply.chunk)]
    if reply.calls_in_one_chunk and reply.calls:
        calls = [
            {
                "index": i,
                "id": _call_id(c, i),
                "type": "function",
                "function": {"name": c.name, "arguments": _arguments(c)},
            }
            for i, c in enumerate(reply.calls)
        ]
        out.append(chunk({"tool_calls": calls}))
    else:
        for i, call in enumerate(reply.calls):
            opening = {
                "index": i,
                "id": _call_id(call, i),
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            out.append(chunk({"tool_calls": [opening]}))
            out += [
                chunk({"tool_calls": [{"index": i, "function": {"arguments": p}}]})
                for p in pieces(_arguments(call), reply.chunk)
            ]
    out.append(chunk({}, "tool_calls" if reply.calls else "stop"))
    usage = _usage(reply)
    if include_usage and usage is not None:
        out.append({**chunk({}), "choices": [], "usage": usage})
    return out
