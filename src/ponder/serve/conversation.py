"""A request's messages as the agent's conversation: bounded, checked, and split into its parts.

The last message is the task (a user message); the ones before it are the history; system and
developer messages add to the agent's own system prompt (they never replace it: the agent's
prompt describes its tools). Tool calls and tool results from the client are refused, because
the agent runs its own tools on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.serve.errors import bad_request
from ponder.serve.settings import ServeSettings

CLIENT_TOOLS = (
    "client-side tools are not supported: this model is an agent that runs its own tools on the "
    "server. Send the conversation without 'tools', tool calls or tool messages."
)


@dataclass
class Conversation:
    task: str
    history: list[ChatMessage]
    system_extra: str | None


def read_messages(raw: Any, settings: ServeSettings, *, param: str = "messages") -> Conversation:
    """The conversation in ``raw`` (OpenAI's ``messages`` list), or an ``ApiError`` naming the problem."""
    if not isinstance(raw, list) or not raw:
        raise bad_request(f"'{param}' must be a non-empty list of messages", param=param)
    if len(raw) > settings.max_messages:
        raise bad_request(
            f"too many messages: {len(raw)} (this server takes at most {settings.max_messages}); "
            "send a shorter conversation",
            param=param,
            code="too_many_messages",
        )
    system: list[str] = []
    turns: list[ChatMessage] = []
    for i, item in enumerate(raw):
        where = f"{param}[{i}]"
        if not isinstance(item, dict):
            raise bad_request(f"{where} must be an object with 'role' and 'content'", param=where)
        role = item.get("role")
        if role in ("tool", "function") or item.get("tool_calls") or item.get("function_call"):
            raise bad_request(CLIENT_TOOLS, param=where, code="tools_not_supported")
        text = _text(item.get("content"), where, settings)
        if role in ("system", "developer"):
            system.append(text)
        elif role in ("user", "assistant"):
            turns.append(ChatMessage(role=MessageRole(role), content=text))
        else:
            raise bad_request(f"{where}.role must be system, developer, user or assistant, not {role!r}", param=f"{where}.role")
    if not turns or turns[-1].role != MessageRole.USER:
        raise bad_request("the last message must be the user's: it is the task the agent works on", param=param)
    task = str(turns[-1].content or "")
    if not task.strip():
        raise bad_request("the last user message is empty", param=param)
    return Conversation(task=task, history=turns[:-1], system_extra="\n\n".join(system) or None)


def _text(content: Any, where: str, settings: ServeSettings) -> str:
    if content is None:
        text = ""
    elif isinstance(content, str):
        text = content
    elif isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise bad_request(f"{where}.content: only text parts are supported", param=f"{where}.content")
            parts.append(part["text"])
        text = "".join(parts)
    else:
        raise bad_request(f"{where}.content must be a string or a list of text parts", param=f"{where}.content")
    if len(text) > settings.max_message_chars:
        raise bad_request(
            f"{where} is {len(text):,} characters long (this server takes at most {settings.max_message_chars:,})",
            param=f"{where}.content",
            code="message_too_long",
        )
    return text
