"""Turning what was parsed out of a reply into calls: call objects in their many spellings, XML calls.

A call object may spell its parts ``name``/``function``/``tool``/``action`` and
``arguments``/``parameters``/``args``/``input``/``action_input``; OpenAI's
``{"type": "function", "function": {...}}`` wrapper is unwrapped once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ponder.agents._call_json import RepairBudget, parse_json

NAME_KEYS = ("name", "function", "tool", "tool_name", "action", "function_name")
ARG_KEYS = ("arguments", "parameters", "args", "input", "action_input", "tool_input", "params", "kwargs")
XML_CALL_RE = re.compile(
    r"<function=([A-Za-z_][\w.\-]*)>(.*?)(?:</function>|\Z)"
    r"|<invoke[ \t]+name=[\"']([A-Za-z_][\w.\-]*)[\"'][ \t]*>(.*?)(?:</invoke>|\Z)",
    re.DOTALL,
)
_PARAM_RE = re.compile(
    r"<parameter(?:=|[ \t]+name=[\"'])([A-Za-z_][\w.\-]*)[\"']?[ \t]*>(.*?)(?:</parameter>|(?=<parameter[= \t])|\Z)",
    re.DOTALL,
)


@dataclass(frozen=True)
class ActionCall:
    name: str
    arguments: dict[str, Any]
    raw: str = ""



@dataclass
class Extraction:
    calls: list[ActionCall] = field(default_factory=list)
    thought: str = ""
    error: str | None = None
    """Set when the text attempts a call that cannot be read; a hint for the model."""
    end: int = 0
    """Offset in the text just after the last call read (what follows is not part of the action)."""
    start: int = 0
    """Offset where the action begins (what comes before is the model's thought)."""
    closed: bool = True
    """The call's brackets are all closed (a half-streamed object repaired into a call is not)."""

    @property
    def is_answer(self) -> bool:
        return not self.calls and self.error is None


def strict(snippet: str) -> Any:
    """A closed JSON value (depth already bounded by ``scan``), or None."""
    try:
        return json.loads(snippet)
    except (ValueError, RecursionError):
        return None


def as_calls(obj: Any, budget: RepairBudget) -> list[ActionCall]:
    items = obj if isinstance(obj, list) else [obj]
    calls = []
    for item in items:
        call = _as_call(item, budget)
        if call is None:
            return []
        calls.append(call)
    return calls


def _as_call(obj: Any, budget: RepairBudget, *, nested: bool = False) -> ActionCall | None:
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict) and not nested:  # OpenAI's {"type": "function", "function": {...}}
        return _as_call(obj["function"], budget, nested=True)
    name = next((obj[k] for k in NAME_KEYS if isinstance(obj.get(k), str)), None)
    if not name or not name.strip():
        return None
    args: Any = next((obj[k] for k in ARG_KEYS if k in obj), None)
    if args is None:
        args = {k: v for k, v in obj.items() if k not in NAME_KEYS and k != "type"}
    if isinstance(args, str):
        parsed = parse_json(args, budget=budget)
        args = parsed if isinstance(parsed, dict) else {"input": args}
    if not isinstance(args, dict):
        return None
    return ActionCall(name=name.strip(), arguments=args, raw=json.dumps(obj, ensure_ascii=False, default=str))


def spelled_out(obj: Any) -> bool:
    """Every item names a function and gives its arguments under their own key: a call, known tool or not."""
    items = obj if isinstance(obj, list) else [obj]

    def one(item: Any) -> bool:
        if isinstance(item, dict) and isinstance(item.get("function"), dict):
            item = item["function"]
        return isinstance(item, dict) and any(k in item for k in NAME_KEYS) and any(k in item for k in ARG_KEYS)

    return bool(items) and all(one(i) for i in items)


def xml_calls(text: str, budget: RepairBudget) -> list[ActionCall]:
    """Calls written as ``<function=name>`` / ``<invoke name="name">`` with a JSON body or parameter tags."""
    calls = []
    for m in XML_CALL_RE.finditer(text):
        name, body = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        params = {p.group(1): _xml_value(p.group(2)) for p in _PARAM_RE.finditer(body)}
        if not params and body.strip():
            parsed = parse_json(body, budget=budget)
            if not isinstance(parsed, dict):
                return []
            params = parsed
        calls.append(ActionCall(name=name, arguments=params, raw=m.group(0)))
    return calls


def _xml_value(raw: str) -> Any:
    value = raw.strip("\n")
    stripped = value.strip()
    if stripped[:1] in '{["' or stripped in ("true", "false", "null") or _NUMBER.fullmatch(stripped):
        try:
            return json.loads(stripped)
        except (ValueError, RecursionError):
            pass
    return value


_NUMBER = re.compile(r"-?\d{1,300}(?:\.\d{1,300})?(?:[eE][+-]?\d{1,3})?")


def strip_fence(payload: str) -> str:
    """The inside of a ```fenced``` payload (the language tag and the fences dropped)."""
    if not payload.startswith("```"):
        return payload
    first_line_end = payload.find("\n")
    inner = payload[first_line_end + 1 :] if first_line_end >= 0 else payload[3:]
    inner = inner.rstrip()
    return inner[:-3] if inner.endswith("```") else inner
