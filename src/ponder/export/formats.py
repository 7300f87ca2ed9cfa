"""The two training-file formats: OpenAI's chat fine-tuning JSONL and TRL's conversational format.

- ``openai``: ``{"messages": [...], "tools": [...], "parallel_tool_calls": false}`` per line, as
  OpenAI's fine-tuning API takes it: assistant ``tool_calls`` carry ``arguments`` as a JSON string.
- ``trl``: ``{"messages": [...], "tools": [...]}`` per line, TRL's conversational dataset with a
  ``tools`` column: ``SFTTrainer`` renders each row with the model's own chat template
  (``apply_chat_template(messages, tools=tools)``), which wants ``arguments`` as a dict.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from ponder.export.conversation import Conversation

Format = Literal["openai", "trl"]
FORMATS: tuple[Format, ...] = ("openai", "trl")


def to_openai(conversation: Conversation) -> dict[str, Any]:
    record = trl_to_openai(to_trl(conversation))
    if not record["tools"]:
        del record["tools"]
    else:
        record["parallel_tool_calls"] = any(len(m.get("tool_calls") or []) > 1 for m in record["messages"])
    return record


def trl_to_openai(record: dict[str, Any]) -> dict[str, Any]:
    """A TRL record in OpenAI's shape: arguments as JSON strings, tool messages without a ``name``."""
    messages = []
    for message in record["messages"]:
        out = {k: v for k, v in message.items() if not (message["role"] == "tool" and k == "name")}
        if message.get("tool_calls"):
            out["tool_calls"] = [
                {**call, "function": {**call["function"], "arguments": json.dumps(call["function"]["arguments"], ensure_ascii=False)}}
                for call in message["tool_calls"]
            ]
        messages.append(out)
    return {"messages": messages, "tools": record.get("tools", [])}


def to_trl(conversation: Conversation) -> dict[str, Any]:
    messages = [dict(m) for m in conversation.messages]
    return {"messages": messages, "tools": conversation.tools}


def as_template_input(record: dict[str, Any], fmt: Format) -> dict[str, Any]:
    """The record as a chat template reads it (arguments as dicts), whichever format it is in."""
    if fmt == "trl":
        return record
    messages = []
    for message in record["messages"]:
        if message.get("tool_calls"):
            calls = [{**c, "function": {**c["function"], "arguments": json.loads(c["function"]["arguments"])}} for c in message["tool_calls"]]
            message = {**message, "tool_calls": calls}
        messages.append(message)
    return {"messages": messages, "tools": record.get("tools", [])}


def convert(conversation: Conversation, fmt: Format) -> dict[str, Any]:
    return to_openai(conversation) if fmt == "openai" else to_trl(conversation)
