"""Constrained decoding for tool calls on the embedded model.

The model writes freely until it starts a tool call (a ``{`` at the start of its reply, or
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

_OPENER = re.compile(r"(?:<tool_call>|```(?:json|tool_call)?)[ \t]*\n?[ \t]*$")
# llama-cpp-python's converter allows one optional space between tokens; the model writes
# indented, multi-line JSON, so let it keep its own layout.
_SPACE_RULE = re.compile(r'^space ::= .*$', re.MULTILINE)
_LAYOUT = 'space ::= | " " | "\\n" [ \\t]{0,20}'

_CACHE: dict[str, LlamaGrammar | None] = {}
_LOCK = threading.Lock()


def call_start(text: str, piece: str) -> int | None:
    """Offset in ``piece`` of a ``{`` that begins a tool call, given the ``text`` before it."""
    index = piece.find("{")
    if index < 0:
        return None
    before = text + piece[:index]
    if before.strip() == "" or _OPENER.search(before):
        return index
    return None


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


def grammar_for(tools: Sequence[Tool]) -> LlamaGrammar | None:
    """The grammar for a call to one of ``tools`` (cached), or None if a schema cannot be converted."""
    schema = call_schema(tools)
    key = hashlib.sha256(json.dumps(schema, sort_keys=True, default=str).encode()).hexdigest()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(schema)
        return _CACHE[key]


def _build(schema: dict[str, Any]) -> LlamaGrammar | None:
    from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

    try:
        gbnf = json_schema_to_gbnf(json.dumps(schema))
        gbnf = _SPACE_RULE.sub(_LAYOUT, gbnf)
        return LlamaGrammar.from_string(gbnf, verbose=False)
    except Exception:  # an exotic schema: fall back to free generation, the loop still validates
        return None
