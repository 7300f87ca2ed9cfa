"""Helpers shared by the backends that speak a server's native tool-calling API (OpenAI, Ollama).

Kept apart from ``base`` because only HTTP backends need them: reading tool-call arguments the
way the loop expects, building the assistant message that goes back into the history, estimating
usage when the server does not report it. Their faults and retries are ``ponder.backends.retry``'s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ponder.backends.base import NativeToolCall, Usage, estimate_tokens

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage

    from ponder.tools.base import Tool


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any] | str:
    """Arguments as a dict when the server sent a JSON object, else the raw string for the loop to judge.

    The loop repairs near-miss JSON or turns it into an observation; a backend must not guess.
    """
    if isinstance(raw, dict):
        return raw
    if raw is None or not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw
    return parsed if isinstance(parsed, dict) else raw


def assistant_message(
    text: str, calls: Sequence[NativeToolCall], raw_arguments: Sequence[Any]
) -> ChatMessage:
    """The assistant turn as LlamaIndex sends it back: its text and one ``ToolCallBlock`` per call.

    ``raw_arguments`` are sent back exactly as the server produced them (a JSON string for
    OpenAI, an object for Ollama), so the next request repeats the model's own call verbatim.
    """
    from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock, ToolCallBlock

    blocks: list[Any] = [TextBlock(text=text)] if text else []
    blocks += [
        ToolCallBlock(tool_call_id=call.id, tool_name=call.name, tool_kwargs=raw)
        for call, raw in zip(calls, raw_arguments, strict=True)
    ]
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)


def estimate_usage(
    messages: Sequence[ChatMessage], tools: Sequence[Tool], text: str, calls: Sequence[NativeToolCall]
) -> Usage:
    """A network-free estimate for servers that report no usage (or a stream closed early)."""
    prompt = sum(estimate_tokens(str(m.content or "")) + 4 for m in messages)
    prompt += sum(estimate_tokens(json.dumps(t.openai_schema())) for t in tools)
    completion = estimate_tokens(text) + sum(
        estimate_tokens(c.name + (c.arguments if isinstance(c.arguments, str) else json.dumps(c.arguments)))
        for c in calls
    )
    return Usage(prompt_tokens=prompt, completion_tokens=completion)
