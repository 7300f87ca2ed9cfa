"""One agent run (or chat session) as a conversation in OpenAI's chat shape, the common ground of every export.

Messages follow the chat-completions format: ``system``, ``user``, ``assistant`` (text and/or
``tool_calls``) and ``tool`` (with ``tool_call_id`` and ``name``). Tool-call arguments are kept
as dicts here; each output format writes them its own way (OpenAI: a JSON string, TRL: a dict).
Call ids are made up (``call_1``, ``call_2``, ...): no source records them for every backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """A tool call the model made and what came back."""

    name: str
    arguments: dict[str, Any]
    output: str
    ok: bool = True
    step: int | None = None
    """The loop step that made it; calls of one step were made together (None: one call per step)."""


@dataclass
class Conversation:
    """A training example: the messages, the tools offered, and what is known about how it went."""

    id: str
    source: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    passed: bool | None = None
    """True/False for graded eval records; True for runs and sessions that ended in an answer."""
    steps: int = 0
    notes: list[str] = field(default_factory=list)
    """What the source did not record, so the example is an approximation of what the model saw."""
    unusable: str | None = None
    """Why this run cannot become an example (it is counted as dropped, with this reason)."""


def turn_messages(task: str, calls: Sequence[Call], answer: str, thoughts: dict[int, str] | None = None, *, first_id: int = 1) -> list[dict[str, Any]]:
    """The user's task, one assistant message per step with its calls, their results, and the answer."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": task}]
    groups: list[list[Call]] = []
    for call in calls:
        if groups and call.step is not None and groups[-1][0].step == call.step:
            groups[-1].append(call)
        else:
            groups.append([call])
    counter = first_id
    for group in groups:
        step = group[0].step
        thought = (thoughts or {}).get(step, "") if step is not None else ""
        tool_calls = []
        results = []
        for call in group:
            call_id = f"call_{counter}"
            counter += 1
            tool_calls.append({"id": call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}})
            results.append({"role": "tool", "tool_call_id": call_id, "name": call.name, "content": call.output})
        messages.append({"role": "assistant", "content": thought.strip(), "tool_calls": tool_calls})
        messages.extend(results)
    messages.append({"role": "assistant", "content": answer})
    return messages

