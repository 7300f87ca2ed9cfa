"""An Ollama server as its REST API documents it (docs/api.md), answering from a script.

- ``POST /api/chat``: NDJSON stream (default) or one JSON object (``"stream": false``). The
  assistant message carries ``tool_calls`` as ``[{"function": {"name", "arguments": {...}}}]``
  (arguments an object, not a string); the last object has ``done: true``, ``done_reason``,
  ``prompt_eval_count``, ``eval_count`` and the durations.
- ``GET /api/tags``, ``POST /api/show`` (``capabilities``, ``model_info``), ``GET /api/version``,
  ``GET /`` ("Ollama is running").
- An unknown model gets 404 ``{"error": "model 'x' not found"}``; tools sent to a model
  without the ``tools`` capability get 400 ``{"error": "... does not support tools"}``.
- ``format`` (``"json"`` or a JSON Schema) is honoured as Ollama's constrained decoding would:
  a scripted reply that is not JSON, or breaks the schema, could never come from a real Ollama,
  so it is a script mistake (HTTP 500, kept in ``failures``). ``formats`` lists what was sent.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from tests.fakes.replies import Reply
from tests.fakes.server import Exchange, FakeServer, pause, pieces

VERSION = "0.12.6"


def _full_name(name: str) -> str:
    return name if ":" in name else f"{name}:latest"


class FakeOllamaServer(FakeServer):
    def __init__(
        self,
        *,
        models: tuple[str, ...] = ("qwen2.5:1.5b",),
        without_tools: tuple[str, ...] = (),
        context_length: int = 32768,
    ) -> None:
        super().__init__()
        self.models = tuple(_full_name(m) for m in models)
        self.without_tools = {_full_name(m) for m in without_tools}
        self.context_length = context_length

    def handle(self, method: str, path: str, body: Any, exchange: Exchange) -> None:
        if path == "/" and method in ("GET", "HEAD"):
            return exchange.text(200, "Ollama is running")
        if method == "GET" and path == "/api/version":
            return exchange.json(200, {"version": VERSION})
        if method == "GET" and path == "/api/tags":
            return exchange.json(200, {"models": [self._tag(m) for m in self.models]})
        if method == "POST" and path == "/api/show":
            return self._show(body, exchange)
        if method == "POST" and path == "/api/chat":
            return self._chat(body, exchange)
        exchange.text(404, "404 page not found")

    # -- endpoints --------------------------------------------------------------------------------
    def _show(self, body: Any, exchange: Exchange) -> None:
        name = _full_name(str(body.get("model") or body.get("name") or ""))
        if name not in self.models:
            return exchange.json(404, {"error": f"model '{body.get('model')}' not found"})
        tools = name not in self.without_tools
        exchange.json(
            200,
            {
                "modelfile": f"FROM {name}\n",
                "parameters": 'stop "<|im_end|>"',
                "template": "{{- if .Tools }}<tools>{{ .Tools }}</tools>{{ end }}{{ .Prompt }}"
                if tools
                else "{{ .Prompt }}",
                "details": self._details(),
                "model_info": {
                    "general.architecture": "qwen2",
                    "general.parameter_count": 1543714304,
                    "qwen2.context_length": self.context_length,
                    "qwen2.embedding_length": 1536,
                },
                "capabilities": ["completion", "tools"] if tools else ["completion"],
                "modified_at": _now(),
            },
        )

    def _chat(self, body: Any, exchange: Exchange) -> None:
        model = str(body.get("model") or "")
        if _full_name(model) not in self.models:
            return exchange.json(404, {"error": f"model '{model}' not found"})
        if body.get("tools") and _full_name(model) in self.without_tools:
            return exchange.json(
                400, {"error": f"registry.ollama.ai/library/{_full_name(model)} does not support tools"}
            )
        reply = self.next_reply(body)
        pause(reply.delay)
        self.inject(reply, exchange)
        if reply.status != 200:
            return exchange.json(reply.status, {"error": reply.error or "scripted failure"}, reply.headers)
        _honour_format(body.get("format"), reply)
        if body.get("stream") is False:
            message = {"role": "assistant", "content": reply.text, **self._calls(reply)}
            return exchange.json(
                200, {"model": model, "created_at": _now(), "message": message, **self._final(reply)}
            )
        exchange.start_stream("application/x-ndjson")
        if reply.raw is not None:
            exchange.send(reply.raw)
            return exchange.end_stream()
        if reply.fault == "invalid_json":
            exchange.send('{"model": "' + model + '", "message": {"role": "assistant", "content": "Hel\n')
            return exchange.end_stream()
        lines = [{"role": "assistant", "content": piece} for piece in pieces(reply.text, reply.chunk)]
        if reply.calls:
            lines.append({"role": "assistant", "content": "", **self._calls(reply)})
        if reply.fault == "empty":
            lines = []
        for i, message in enumerate(lines):
            exchange.send(
                json.dumps({"model": model, "created_at": _now(), "message": message, "done": False}) + "\n"
            )
            if reply.fault == "cut" and i == 1:
                exchange.hang_up()
            if i == 0:
                pause(reply.stall)
                if reply.stream_error:
                    exchange.send(json.dumps({"error": reply.stream_error}) + "\n")
                    return exchange.end_stream()
            pause(reply.chunk_delay)
        final = {
            "model": model,
            "created_at": _now(),
            "message": {"role": "assistant", "content": ""},
            **self._final(reply),
        }
        exchange.send(json.dumps(final) + "\n")
        exchange.end_stream()

    @property
    def formats(self) -> list[Any]:
        """The ``format`` of every chat request, in order (None where none was sent)."""
        return [body.get("format") for body in self.posted("/api/chat")]

    # -- pieces -------------------------------------------------------------------------------------
    @staticmethod
    def _calls(reply: Reply) -> dict[str, Any]:
        if not reply.calls:
            return {}
        calls = []
        for call in reply.calls:
            arguments: Any = call.arguments
            if isinstance(arguments, str):
                # a JSON text is sent as the object it holds; anything else as the raw string
                with contextlib.suppress(ValueError):
                    arguments = json.loads(arguments)
            calls.append({"function": {"name": call.name, "arguments": arguments}})
        return {"tool_calls": calls}

    @staticmethod
    def _final(reply: Reply) -> dict[str, Any]:
        out: dict[str, Any] = {
            "done": True,
            "done_reason": "stop",
            "total_duration": 4883583458,
            "load_duration": 1334875,
        }
        if reply.prompt_tokens is not None:
            out.update(prompt_eval_count=reply.prompt_tokens, prompt_eval_duration=342546000)
        out.update(eval_count=reply.completion_tokens or 0, eval_duration=4535599000)
        return out

    @staticmethod
    def _details() -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen2",
            "families": ["qwen2"],
            "parameter_size": "1.5B",
            "quantization_level": "Q4_K_M",
        }

    def _tag(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": _now(),
            "size": 986061892,
            "digest": "65ec06548149" + "0" * 52,
            "details": self._details(),
        }


def _honour_format(fmt: Any, reply: Reply) -> None:
    """Raise (the server answers 500) if ``reply`` is something ``format`` would have prevented."""
    if not fmt:
        return
    if reply.calls:
        raise AssertionError("a reply constrained by format cannot call a tool")
    try:
        value = json.loads(reply.text)
    except ValueError:
        raise AssertionError(f"the scripted reply {reply.text!r} is not JSON, but format was {fmt!r}") from None
    if isinstance(fmt, dict):
        import jsonschema

        jsonschema.validate(value, fmt)


def _now() -> str:
    return datetime.now(UTC).isoformat()
