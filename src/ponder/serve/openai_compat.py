"""The OpenAI chat-completions wire format: what a request may ask, and the objects sent back.

Responses and stream chunks carry exactly the fields OpenAI's own carry, plus one ``ponder``
field (run id, stop reason, steps, trajectory) that plain clients ignore. Streamed content is
the agent's answer only: a step's text is held back while it may still turn into a tool call,
and streamed as it is written once it reads as the answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ponder.agents import events as ev
from ponder.agents.result import RunResult, StopReason
from ponder.serve.conversation import CLIENT_TOOLS, Conversation, read_messages
from ponder.serve.errors import bad_request
from ponder.serve.settings import ServeSettings
from ponder.usage import Usage


@dataclass
class ChatRequest:
    model: str
    conversation: Conversation
    stream: bool
    include_usage: bool


def read_model(body: Any) -> str:
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("'model' is required: one of the ids GET /v1/models lists", param="model")
    return model


def read_chat_request(body: dict[str, Any], settings: ServeSettings) -> ChatRequest:
    """Check what the agent can honour; an ``ApiError`` names the parameter it cannot."""
    model = read_model(body)
    n = body.get("n")
    if n is not None and n != 1:
        raise bad_request("n must be 1: an agent's run gives one answer (send n requests for n answers)", param="n")
    if body.get("tools") or body.get("functions"):
        raise bad_request(CLIENT_TOOLS, param="tools" if body.get("tools") else "functions", code="tools_not_supported")
    if body.get("tool_choice") not in (None, "none", "auto"):
        raise bad_request(CLIENT_TOOLS, param="tool_choice", code="tools_not_supported")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise bad_request("'stream' must be true or false", param="stream")
    options = body.get("stream_options") or {}
    include_usage = bool(options.get("include_usage")) if isinstance(options, dict) else False
    return ChatRequest(model, read_messages(body.get("messages"), settings), stream, include_usage)


# -- what goes back ------------------------------------------------------------------------------
def finish_reason(result: RunResult) -> str:
    """``stop`` when the agent answered; ``length`` when a limit (steps, time, repeats) ended it first."""
    return "stop" if result.stop_reason is StopReason.ANSWER or result.answer else "length"


def usage_block(usage: Usage) -> dict[str, Any]:
    block: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.prompt_tokens_evaluated is not None:
        block["prompt_tokens_details"] = {"cached_tokens": max(0, usage.prompt_tokens - usage.prompt_tokens_evaluated)}
    return block


def ponder_block(run_id: str, result: RunResult) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "stop_reason": result.stop_reason.value,
        "steps": result.steps,
        "seconds": round(result.seconds, 4),
        "trajectory": [record.model_dump(mode="json") for record in result.trajectory],
    }


@dataclass
class Envelope:
    """The fields every response and chunk of one completion share."""

    run_id: str
    model: str
    created: int
    fingerprint: str

    def _head(self, kind: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{self.run_id.removeprefix('run_')}",
            "object": kind,
            "created": self.created,
            "model": self.model,
            "system_fingerprint": f"fp_{self.fingerprint[:10]}",
        }

    def completion(self, result: RunResult) -> dict[str, Any]:
        message = {"role": "assistant", "content": result.answer or "", "refusal": None}
        return {
            **self._head("chat.completion"),
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason(result)}],
            "usage": usage_block(result.usage),
            "ponder": ponder_block(self.run_id, result),
        }

    def chunk(self, delta: dict[str, Any], *, finish: str | None = None, with_usage: bool = False) -> dict[str, Any]:
        body = {**self._head("chat.completion.chunk"), "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if with_usage:
            body["usage"] = None
        return body

    def usage_chunk(self, result: RunResult) -> dict[str, Any]:
        return {**self._head("chat.completion.chunk"), "choices": [], "usage": usage_block(result.usage)}


# -- streaming the answer ----------------------------------------------------------------------
_MARKERS = re.compile(
    r"<tool_call|`|[{\[]|\\|\$\$|\b(?:Action|Thought|Observation)\s*:|final\s+answer|Observation from", re.IGNORECASE
)
"""Text that may be a tool call, or an answer the loop rewrites (ReAct labels, LaTeX): held to the end."""
_ANSWER_PREFIX = re.compile(r"answer\s*:\s*", re.IGNORECASE)
HOLD_CHARS = 12
"""The tail kept back while a step streams: the start of a tool call may be in it."""
COMMIT_CHARS = 80
"""Prose an agent with tools must write, with no sign of a call, before its step streams as the answer."""


class AnswerStream:
    """Turns a run's events into the content deltas of its answer, as early as is safe.

    A step's text streams once it reads as prose (no call syntax in it; for an agent with tools,
    ``COMMIT_CHARS`` of it); a step with call syntax waits for the run's ``Answer``. Whatever the
    ``Answer`` adds to what was streamed is sent when it arrives, so the content of a stream is the
    content of the same completion unstreamed.
    """

    def __init__(self, tool_names: Collection[str]) -> None:
        self.sent = ""
        self._commit = COMMIT_CHARS if tool_names else 0
        names = "|".join(re.escape(n) for n in tool_names)
        self._call = re.compile(rf"\b(?:{names})\s*\(") if names else None
        self._text = ""
        self._step_sent = 0
        self._mode = "wait"

    def feed(self, event: ev.Event) -> str:
        if isinstance(event, ev.StepStarted):
            self._text, self._step_sent, self._mode = "", 0, "wait"
        elif isinstance(event, ev.TextDelta):
            self._text += event.text
            return self._advance()
        elif isinstance(event, ev.Answer):
            return self._final(event.text)
        return ""

    def _advance(self) -> str:
        if self._mode == "held":
            return ""
        text = self._text
        if _MARKERS.search(text) or (self._call is not None and self._call.search(text)):
            self._mode = "held"
            return ""
        body = text.lstrip()
        prefix = _ANSWER_PREFIX.match(body)
        if prefix:
            body = body[prefix.end() :]
        elif len(body) < 7 and "answer:".startswith(body.lower()):
            return ""  # may still become "Answer:", which is not part of the answer
        if self._mode == "wait" and len(body) < self._commit:
            return ""
        self._mode = "streaming"
        upto = len(body) - HOLD_CHARS
        if upto <= self._step_sent:
            return ""
        new = body[self._step_sent : upto]
        self._step_sent = upto
        self.sent += new
        return new

    def _final(self, answer: str) -> str:
        rest = answer[len(self.sent) :] if answer.startswith(self.sent) else ("\n\n" if self.sent else "") + answer
        self.sent += rest
        return rest
