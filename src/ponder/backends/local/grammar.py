"""Constrained decoding for tool calls on the embedded model.

The model writes freely until it starts a tool call (``{"name":`` at the start of its reply, or
after ``<tool_call>`` or a ```json fence). From that ``{`` on, generation is constrained by a
llama.cpp grammar built from the offered tools' JSON schemas: the call is then always valid
JSON, names a real tool, carries its required parameters with the right types and enum values,
and invents no parameter. The free part before the call keeps the model's own reasoning; the
KV cache makes the switch cost nothing but the grammar itself.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_cpp import LlamaGrammar

    from ponder.tools.base import Tool

# A call is recognised by its head: an opener (the reply's start, <tool_call> or a fence), a brace
# and the "name" key. Plain JSON answers ({"a": 3}) never match, so they are never constrained.
_HEAD = re.compile(r'(?:\A|<tool_call>|```(?:json|tool_call)?)[ \t]*\n?[ \t]*(\{)\s*"name"\s*:')
_PARTIAL_HEAD = re.compile(r'(?:\A|<tool_call>|```(?:json|tool_call)?)[ \t]*\n?[ \t]*(\{)\s*(?:"(?:n(?:a(?:m(?:e(?:"\s*)?)?)?)?)?)?\Z')
_SPACE_RULE = re.compile(r'^space ::= .*$', re.MULTILINE)
_LAYOUT = 'space ::= | " " | "\\n" [ \\t]{0,20}'
_CHAR_RULE = re.compile(r'^char ::= \[\^"\\\\\]', re.MULTILINE)
_STRICT_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F]'
"""JSON strings hold no raw control characters (llama.cpp's own converter says the same)."""

_CACHE: dict[str, LlamaGrammar | None] = {}
_LOCK = threading.Lock()


class CallWatch:
    """Watches streamed text for the head of a tool call, holding back text that may be one.

    ``feed`` returns the text that is safe to pass on, and sets ``start`` (an offset in the
    passed-on text) once a call's head is complete: generation then restarts at that ``{``
    under the grammar, so the held-back head is never shown twice.
    """

    def __init__(self) -> None:
        self.passed = ""
        self.held = ""
        self.start: int | None = None
        self.opener = ""
        """How the call opened: ``tag`` (``<tool_call>``), ``fence`` (a ```json block) or ``bare``."""

    def feed(self, piece: str) -> str:
        text = self.passed + self.held + piece
        window = max(0, len(self.passed) - 16)
        head = _HEAD.search(text, window)
        if head is not None:
            self.start = head.start(1)
            opened = head.group(0).lstrip()
            self.opener = "tag" if opened.startswith("<tool_call>") else "fence" if opened.startswith("```") else "bare"
            out = text[len(self.passed) : self.start]
            self.passed, self.held = text[: self.start], ""
            return out
        partial = _PARTIAL_HEAD.search(text, window)
        if partial is not None and partial.start(1) >= len(self.passed):
            brace = partial.start(1)
            out = text[len(self.passed) : brace]
            self.passed, self.held = text[:brace], text[brace:]
            return out
        out = text[len(self.passed) :]
        self.passed, self.held = text, ""
        return out

    def flush(self) -> str:
        """What is still held back when generation ends without a call."""
        out, self.held = self.held, ""
        self.passed += out
        return out


def call_schema(tools: Sequence[Tool]) -> dict[str, Any]:
    alternatives = []
    for tool in tools:
        params = dict(tool.parameters) or {"type": "object", "properties": {}}
        params.setdefault("type", "object")
        params.setdefault("properties", {})
        params["additionalProperties"] = False
        alternatives.append(
            {
                "type": "object",
                "properties": {"name": {"const": tool.name}, "arguments": params},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    return alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}


def grammar_for(tools: Sequence[Tool], *, opener: str = "") -> LlamaGrammar | None:
    """The grammar for a call to one of ``tools`` (cached), or None if a schema cannot be converted.

    ``opener``: how the call opened. After a call in ``<tool_call>`` tags or a ```json block the
    grammar also lets the model close it and write more calls the same way (several calls at
    once, as Qwen's template asks for them), or stop.
    """
    schema = call_schema(tools)
    several = _SEVERAL.get(opener, "")
    key = hashlib.sha256(json.dumps([schema, several], sort_keys=True, default=str).encode()).hexdigest()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(schema, several)
        return _CACHE[key]


_SEVERAL = {
    "tag": 'root ::= call ( "</tool_call>" ( "\\n<tool_call>\\n" call "</tool_call>" )* )?',
    "fence": 'root ::= call ( "```" ( "\\n```json\\n" call "```" )* )?',
}


def _build(schema: dict[str, Any], several: str) -> LlamaGrammar | None:
    from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

    try:
        gbnf = json_schema_to_gbnf(json.dumps(schema))
        gbnf = _SPACE_RULE.sub(_LAYOUT, gbnf)
        if several:
            gbnf = re.sub(r"^root ::=", "call ::=", gbnf, flags=re.MULTILINE) + "\n" + several
        return LlamaGrammar.from_string(gbnf, verbose=False)
    except Exception:  # an exotic schema: fall back to free generation, the loop still validates
        return None


def answer_grammar(schema: dict[str, Any], tools: Sequence[Tool] = ()) -> LlamaGrammar | None:
    """The grammar of a typed answer, or (with ``tools``) of a reply that is either a call or the answer.

    A call may open with ``<tool_call>``, as the model's template teaches (then several calls may
    follow one another, each in its tags); the answer is the bare JSON value. Cached; None if a schema cannot be converted (the loop still validates).
    """
    call = call_schema(tools) if tools else None
    key = hashlib.sha256(json.dumps([schema, call], sort_keys=True, default=str).encode()).hexdigest()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build_answer(schema, call)
        return _CACHE[key]


def _build_answer(schema: dict[str, Any], call: dict[str, Any] | None) -> LlamaGrammar | None:
    from llama_cpp.llama_grammar import LlamaGrammar, SchemaConverter

    try:
        converter = SchemaConverter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
        answer = converter.visit(converter.resolve_refs(json.loads(json.dumps(schema)), "answer"), "answer")
        root = answer
        if call is not None:
            called = converter.visit(converter.resolve_refs(call, "call"), "call")
            # In <tool_call> tags, more calls may follow (several at once, as with ``grammar_for``).
            tagged = f'"<tool_call>" "\\n"? {called} ( "</tool_call>" ( "\\n<tool_call>\\n" {called} "</tool_call>" )* )?'
            root = f"{tagged} | {called} | {answer}"
        gbnf = f"root ::= {root}\n{converter.format_grammar()}"
        gbnf = _CHAR_RULE.sub(lambda _: _STRICT_CHAR, _SPACE_RULE.sub(lambda _: _LAYOUT, gbnf))
        return LlamaGrammar.from_string(gbnf, verbose=False)
    except Exception:  # an exotic schema: the answer is generated freely and validated
        return None
