"""Action protocols: how tools reach the model and how their results come back.

- ``native``: tool schemas go through the backend's API; results return as tool-role messages.
  The model may still write its call as text (small models do); the loop reads it either way.
- ``text``: tools are described in the system prompt and the model writes
  ``<tool_call>{...}</tool_call>``; results come back as user messages. For servers and models
  without tool calling.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder import prompts
from ponder.backends.base import Capabilities, ModelReply
from ponder.tools.base import Tool


class Protocol(StrEnum):
    NATIVE = "native"
    TEXT = "text"


def choose_protocol(capabilities: Capabilities, override: Protocol | str | None = None) -> Protocol:
    if override:
        return Protocol(override)
    return Protocol.NATIVE if capabilities.native_tool_calls else Protocol.TEXT


def system_message(system_prompt: str, tools: Sequence[Tool], protocol: Protocol, prompts_dir: Path | None) -> ChatMessage:
    content = system_prompt
    if protocol is Protocol.TEXT and tools:
        listing = "\n".join(f"- {t.describe()}" for t in tools)
        content = f"{system_prompt}\n\n{prompts.render('text_protocol', prompts_dir, tools=listing)}"
    return ChatMessage(role=MessageRole.SYSTEM, content=content)


def history_message(reply: ModelReply, text: str, native_ids: Sequence[str]) -> ChatMessage:
    """The assistant turn as it goes back into the history.

    Native calls keep the backend's own message (ids and all); calls read from text keep the
    text exactly as generated, so a local backend's KV cache still matches on the next step.
    """
    if native_ids and reply.message is not None:
        return reply.message
    return ChatMessage(role=MessageRole.ASSISTANT, content=text)


def observation_message(
    output: str, *, name: str, call_id: str | None, capabilities: Capabilities, protocol: Protocol
) -> ChatMessage:
    if call_id is not None:  # answering a native call: must carry its id
        return ChatMessage(
            role=MessageRole.TOOL, content=output, additional_kwargs={"tool_call_id": call_id, "name": name}
        )
    if protocol is Protocol.NATIVE and capabilities.tool_calls_as_text:
        # The model's chat template renders tool messages (e.g. Qwen's <tool_response>).
        return ChatMessage(role=MessageRole.TOOL, content=output, additional_kwargs={"name": name})
    return ChatMessage(role=MessageRole.USER, content=f"Observation from {name}:\n{output}")


def stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def truncate(text: str, budget: int) -> str:
    """Cut an observation to ``budget`` characters, saying how much was cut and how to get the rest."""
    if len(text) <= budget:
        return text
    cut = len(text) - budget
    return (
        f"{text[:budget]}\n[... {cut} more characters cut. Ask for a smaller part "
        f"(a narrower query, a range or an offset) to see the rest.]"
    )
