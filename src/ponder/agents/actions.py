"""Tolerant action extraction: read a tool call out of whatever a model wrote.

Small models write calls in many shapes. Accepted, in this order:
- Qwen/Hermes ``<tool_call>{...}</tool_call>`` tags (closing tag optional);
- XML-style calls: ``<function=name>`` with a JSON object or ``<parameter=key>value</parameter>``
  lines, and ``<invoke name="name"><parameter name="key">value</parameter></invoke>``;
- a fenced block (```json, ```tool_call, or bare ```) holding a call object or a list of them;
- ReAct ``Action: name`` + ``Action Input: {...}`` lines;
- a bare JSON call object in the text, when it names a known tool (or spells out both a name
  and its arguments);
- a Python-style call ``name(a=1, b="x")`` of a known tool.

A call object may spell its parts ``name``/``function``/``tool``/``action`` and
``arguments``/``parameters``/``args``/``input``/``action_input``. Near-miss JSON (single
quotes, trailing commas, missing braces) is repaired. A call that was clearly attempted but
cannot be read becomes an ``error`` for the model, never an answer and never an exception.

The reply is untrusted: every finder is linear in its length (no regular expression that
backtracks over runs of text, a bounded number of candidate positions, nesting measured
before parsing; see ``_call_json``), so a hostile or degenerate reply costs what reading it once costs.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from ponder.agents._call_json import parse_json as _parse_json
from ponder.agents._call_objects import ActionCall, Extraction
from ponder.agents._call_reader import Reader
from ponder.agents._text_shapes import LOOKALIKE_CHARS, TO_ASCII, final_answer, mentioned_tool, runaway_end

__all__ = [
    "ActionCall",
    "CallWatch",
    "Extraction",
    "complete_action_end",
    "extract_actions",
    "final_answer",
    "mentioned_tool",
    "parse_json",
    "runaway_end",
]


def extract_actions(text: str, tool_names: Collection[str] = ()) -> Extraction:
    """Find the tool calls in a model's text. Never raises; linear in the text's length."""
    try:
        found = Reader(text, tool_names).read()
        if (found is None or not found.calls) and any(ch in text for ch in LOOKALIKE_CHARS):
            # Fullwidth brackets, curly quotes: read again with their ASCII twins (same offsets).
            again = Reader(text.translate(TO_ASCII), tool_names).read()
            if again is not None and (again.calls or found is None):
                found = again
    except (RecursionError, MemoryError):  # a safety net: the readers bound depth and size themselves
        return Extraction(error="your tool call could not be read", end=len(text))
    return found or Extraction(end=len(text))


def parse_json(payload: str) -> Any:
    """Parse JSON, repairing near misses; None when nothing sensible comes out. Never raises."""
    return _parse_json(payload)


_CALL_SYNTAX = re.compile(
    r"(?:\s*(?:</?(?:t(?:o(?:o(?:l(?:_(?:c(?:a(?:l(?:l(?:>)?)?)?)?)?)?)?)?)?)?|`{1,3}(?:json|tool_call)?))*\s*\Z"
)
"""What may follow a complete call while the model can still add another: white space, the
closing tag, the opening of a next tag or fence, or a part of one (checked from a call's end, so
its cost is the length of that tail)."""


def complete_action_end(text: str, tool_names: Collection[str] = ()) -> int | None:
    """Where the calls in streamed text end, once the model has moved on from them (else None).

    Used to stop generation early. A call is complete when its brackets are closed (a
    half-streamed object must not pass for a call just because it can be repaired); generation
    then stops at the first text that is not part of a call (a made-up result, an early answer),
    and goes on while the model may still be writing a closing tag or the next of several calls.
    """
    return _action_state(text, tool_names)[0]


def _action_state(text: str, tool_names: Collection[str]) -> tuple[int | None, bool]:
    """(where to stop, or None; whether complete calls stand at the end, waiting for what follows)."""
    if not any(ch in text for ch in "}>)"):
        return None, False
    found = extract_actions(text, tool_names)
    if not found.calls or found.error or not found.closed:
        return None, False
    if _CALL_SYNTAX.match(text, found.end):
        return None, True
    return found.end, False


class CallWatch:
    """``complete_action_end`` for a reply as it streams in, at a cost linear in the reply.

    Checking the whole text on every delta would cost its length squared. The text is read
    again only when a closing bracket or tag has arrived since the last reading, and, once the
    reply is past ``SHORT`` characters, only after it has grown by an eighth: a call in a long
    reply is then seen a little late (the reply is still cut where the call ends).
    """

    SHORT = 1024

    def __init__(self, tool_names: Collection[str]) -> None:
        self.tool_names = tuple(tool_names)
        self._seen = 0
        self._read_at = 0
        self._closer_pending = False

    def __call__(self, text: str) -> int | None:
        new = text[self._seen :]
        self._seen = len(text)
        if any(ch in new for ch in "}>)"):
            self._closer_pending = True
        if not self._closer_pending:
            return None
        if len(text) > self.SHORT and len(text) - self._read_at < self._read_at // 8:
            return None
        self._closer_pending = False
        self._read_at = len(text)
        end, waiting = _action_state(text, self.tool_names)
        if waiting:  # complete calls so far: the next delta says whether another one comes
            self._closer_pending = True
        return end


