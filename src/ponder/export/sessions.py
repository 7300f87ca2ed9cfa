"""Chat sessions (``ponder chat`` saves one after every turn) as one multi-turn conversation each.

A session keeps everything the model saw except the system prompt: the user's messages, the
assistant's replies with their calls (LlamaIndex ``ToolCallBlock``s from native backends, or
calls written as text, read back with the loop's own parser) and the tool results (tool
messages, or the text protocol's "Observation from ..." user messages).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ponder.export.conversation import Conversation
from ponder.export.sources import resolve_by_name, with_system


def load_session(name_or_path: str) -> Any:
    """The one place the export reads a chat session (a ``ponder.sessions.SessionFile``), by name or file path."""
    from ponder import sessions

    path = Path(name_or_path)
    return sessions.read(path) if path.suffix == ".json" and path.is_file() else sessions.load(name_or_path)


def from_session(session: Any, *, tools: Sequence[str] | None, system_prompt: str | None) -> Conversation:
    """A whole chat session (every turn) as one multi-turn conversation."""
    from ponder.agents.actions import extract_actions

    offered = resolve_by_name(tools if tools is not None else session.tools)
    names = [t.name for t in offered]
    messages: list[dict[str, Any]] = []
    counter = 0
    steps = longest = 0
    for message in session.to_messages():
        role, text = message.role.value, message.content or ""
        kwargs = message.additional_kwargs
        if role == "user" and text.startswith("Observation from ") and messages and messages[-1]["role"] in ("assistant", "tool"):
            name = text.removeprefix("Observation from ").split(":", 1)[0]
            messages.append(_tool_result(messages, name, text.split("\n", 1)[1] if "\n" in text else ""))
        elif role == "user":
            messages.append({"role": "user", "content": text})
            steps = 0
        elif role == "tool":
            messages.append(_tool_result(messages, str(kwargs.get("name", "")), text, kwargs.get("tool_call_id")))
        elif role == "assistant":
            native = _native_calls(message)
            calls = native or [(c.name, c.arguments) for c in extract_actions(text, names).calls]
            steps += 1
            longest = max(longest, steps)
            if not calls:
                messages.append({"role": "assistant", "content": text.strip()})
                continue
            thought = text if native else extract_actions(text, names).thought
            tool_calls = []
            for name, arguments in calls:
                counter += 1
                tool_calls.append({"id": f"call_{counter}", "type": "function", "function": {"name": name, "arguments": arguments}})
            messages.append({"role": "assistant", "content": thought.strip(), "tool_calls": tool_calls})
    answered = all(t.stop_reason == "answer" for t in session.turns) and bool(session.turns)
    return Conversation(
        id=f"session:{session.name}",
        source=f"session:{session.name}",
        messages=with_system(system_prompt, _drop_unanswered_calls(messages)),
        tools=[t.openai_schema() for t in offered],
        passed=answered,
        steps=longest,
        notes=["system prompt not recorded: Ponder's default"],
    )


def _native_calls(message: Any) -> list[tuple[str, dict[str, Any]]]:
    """The structured calls of an assistant message: LlamaIndex ``ToolCallBlock``s (arguments a dict or JSON)."""
    calls = []
    for block in message.blocks:
        name = getattr(block, "tool_name", None)
        arguments = getattr(block, "tool_kwargs", None)
        if name is None:
            continue
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except ValueError:
                continue
        if isinstance(arguments, dict):
            calls.append((str(name), arguments))
    return calls


def _tool_result(messages: list[dict[str, Any]], name: str, content: str, call_id: Any = None) -> dict[str, Any]:
    """A tool message answering the latest call of that name that has no answer yet."""
    answered = {m.get("tool_call_id") for m in messages if m["role"] == "tool"}
    for message in reversed(messages):
        for call in message.get("tool_calls") or []:
            if call["id"] not in answered and (call["function"]["name"] == name or not name):
                return {"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"], "content": content}
    return {"role": "tool", "tool_call_id": str(call_id or "call_unmatched"), "name": name, "content": content}


def _drop_unanswered_calls(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep only calls that got a result (a turn cut short by Ctrl-C leaves one without)."""
    answered = {m["tool_call_id"] for m in messages if m["role"] == "tool"}
    out = []
    for message in messages:
        if message.get("tool_calls"):
            kept = [c for c in message["tool_calls"] if c["id"] in answered]
            message = {**message, "tool_calls": kept} if kept else {"role": "assistant", "content": message["content"]}
            if not kept and not message["content"]:
                continue
        out.append(message)
    return out
