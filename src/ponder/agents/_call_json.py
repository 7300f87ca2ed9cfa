"""Reading the JSON (or near-JSON) of a tool call at a cost linear in its length, nesting bounded.

A model's reply is untrusted input: 10,000 nested brackets, a megabyte of digits or a broken
object must cost no more than reading them once. So nesting is measured first with one
linear scan (``scan``), the strict parsers run only below ``MAX_DEPTH``, and the tolerant
repair (``json_repair``, whose cost grows faster than the length) runs only on small
payloads within a per-reply budget.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32
"""Deepest nesting of brackets a call may have; deeper text is not parsed at all."""
REPAIR_MAX_CHARS = 800
"""Longest payload handed to ``json_repair`` (its cost grows faster than the length)."""
REPAIR_BUDGET_CHARS = 1600
"""Characters of repair one reply may use in all."""
REPAIR_BUDGET_CALLS = 8
"""Repairs one reply may ask for in all."""

# Strings (so brackets inside them do not count), then brackets. An unclosed one-line string
# ends at the end of its line; every character is consumed by exactly one branch (the loops
# are unrolled, so a long string is one tight run): linear.
_TOKEN = re.compile(
    r'"""[\s\S]*?(?:"""|\Z)'
    r"|'''[\s\S]*?(?:'''|\Z)"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*(?:"|$)'
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*(?:'|$)"
    r"|[{}\[\]()]",
    re.MULTILINE,
)
_OPENERS = frozenset("{[(")
_CLOSERS = frozenset("}])")


@dataclass(frozen=True)
class Extent:
    """Where the bracketed value starting at some offset ends, if it does."""

    end: int | None
    """Offset just after the closing bracket; None when it never closes (or nests too deep)."""
    too_deep: bool = False


def scan(text: str, start: int) -> Extent:
    """The extent of the bracketed value opening at ``text[start]``: one pass, stops past ``MAX_DEPTH``."""
    depth = 0
    for m in _TOKEN.finditer(text, start):
        ch = m.group()
        if ch in _OPENERS:
            depth += 1
            if depth > MAX_DEPTH:
                return Extent(None, too_deep=True)
        elif ch in _CLOSERS:
            depth -= 1
            if depth <= 0:
                return Extent(m.end())
    return Extent(None)


def max_depth_exceeded(text: str) -> bool:
    """Does any bracket nesting in ``text`` go deeper than ``MAX_DEPTH``? (One linear pass.)"""
    depth = 0
    for m in _TOKEN.finditer(text):
        ch = m.group()
        if ch in _OPENERS:
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in _CLOSERS:
            depth = max(depth - 1, 0)
    return False


class RepairBudget:
    """How many characters ``json_repair`` may still read for this reply."""

    def __init__(self, chars: int = REPAIR_BUDGET_CHARS, calls: int = REPAIR_BUDGET_CALLS) -> None:
        self.chars = chars
        self.calls = calls

    def take(self, size: int) -> bool:
        if size > REPAIR_MAX_CHARS or size > self.chars or self.calls <= 0:
            return False
        self.chars -= size
        self.calls -= 1
        return True


def parse_json(payload: str, *, budget: RepairBudget | None = None) -> Any:
    """Parse JSON, repairing near misses; None when nothing sensible comes out. Never raises.

    Tried in order: strict JSON; the first JSON value in the text; the same written as a Python
    literal (single quotes, trailing commas, True/None); ``json_repair`` for small payloads.
    """
    payload = payload.strip()
    if not payload or max_depth_exceeded(payload):
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        pass
    start = min((i for i in (payload.find("{"), payload.find("[")) if i >= 0), default=-1)
    if start >= 0:
        try:
            return json.JSONDecoder().raw_decode(payload, start)[0]
        except (ValueError, RecursionError):
            pass
    literal = python_literal(payload[start:] if start >= 0 else payload)
    if isinstance(literal, (dict, list)):
        return literal
    if not (budget or RepairBudget()).take(len(payload)):
        return None
    try:
        import json_repair

        repaired = json_repair.loads(payload)
    except Exception:  # json_repair's own failures: the payload is simply unreadable
        return None
    return repaired if isinstance(repaired, (dict, list)) and repaired else None


_JSON_NAMES = {"true": True, "false": False, "null": None}


class _JsonNames(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast's naming
        if node.id in _JSON_NAMES:
            return ast.copy_location(ast.Constant(_JSON_NAMES[node.id]), node)
        return node


def parse_python(source: str) -> ast.Expression:
    """``ast.parse`` in eval mode, without the warnings Python prints for odd escapes in model text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, mode="eval")


def python_literal(text: str) -> Any:
    """``text`` read as a Python literal (JSON's true/false/null accepted), or None."""
    try:
        tree = parse_python(text.strip())
        try:
            return ast.literal_eval(tree.body)
        except ValueError:  # perhaps true/false/null: map them and try once more
            return ast.literal_eval(_JsonNames().visit(tree).body)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None


def literal_value(node: ast.expr) -> Any:
    """One argument of a Python-style call as a value; raises ``ValueError`` when it is not a literal."""
    try:
        return ast.literal_eval(_JsonNames().visit(node))
    except (TypeError, MemoryError, RecursionError, SyntaxError) as exc:
        raise ValueError(str(exc)) from None
