"""Tolerant action extraction: read a tool call out of whatever a model wrote.

Small models write calls in many shapes. Accepted, in this order:
- Qwen/Hermes ``<tool_call>{...}</tool_call>`` tags (closing tag optional);
- a fenced block (```json, ```tool_call, or bare ```) holding a call object or a list of them;
- ReAct ``Action: name`` + ``Action Input: {...}`` lines;
- a bare JSON call object in the text, when it names a known tool;
- a Python-style call ``name(a=1, b="x")`` of a known tool.

A call object may spell its parts ``name``/``function``/``tool``/``action`` and
``arguments``/``parameters``/``args``/``input``/``action_input``. Near-miss JSON (single
quotes, trailing commas, missing braces) is repaired. A call that was clearly attempted but
cannot be read becomes an ``error`` for the model, never an exception.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

_TAG_RE = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCE_RE = re.compile(r"```[ \t]*([A-Za-z_]*)[ \t]*\n?(.*?)(?:```|$)", re.DOTALL)
_REACT_RE = re.compile(
    r"^\s*Action\s*:\s*`?([A-Za-z_][\w.\-]*)`?\s*$\s*^\s*Action\s*Input\s*:\s*(.*?)(?=^\s*(?:Observation|Thought|Action)\s*:|\Z)",
    re.DOTALL | re.MULTILINE | re.IGNORECASE,
)
_NAME_KEYS = ("name", "function", "tool", "tool_name", "action", "function_name")
_ARG_KEYS = ("arguments", "parameters", "args", "input", "action_input", "tool_input", "params", "kwargs")
_FINAL_RE = re.compile(r"^\s*(?:final\s+answer|answer)\s*:\s*", re.IGNORECASE)


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

    @property
    def is_answer(self) -> bool:
        return not self.calls and self.error is None


def extract_actions(text: str, tool_names: Collection[str] = ()) -> Extraction:
    """Find the tool calls in a model's text. Never raises."""
    for finder in (_from_tags, _from_fences, _from_react):
        found = finder(text)
        if found is not None:
            return found
    bare = _from_bare_json(text, tool_names)
    if bare is not None:
        return bare
    pycall = _from_python_call(text, tool_names)
    if pycall is not None:
        return pycall
    return Extraction(thought="", end=len(text))


def final_answer(text: str) -> str:
    """The answer part of a reply with no action: drops ReAct scaffolding such as 'Thought:' and 'Final Answer:'."""
    marker = re.search(r"final\s+answer\s*:", text, re.IGNORECASE)
    if marker:
        return text[marker.end() :].strip()
    lines = [ln for ln in text.strip().splitlines() if not re.match(r"^\s*thought\s*:", ln, re.IGNORECASE)]
    answer = "\n".join(lines).strip() or text.strip()
    return _FINAL_RE.sub("", answer, count=1).strip()


def mentioned_tool(text: str, tool_names: Collection[str]) -> str | None:
    """A tool the reply names as code (`` `name` ``, ``name(``) without calling it, or None.

    Small models often describe the call they should make (or write code that would make it)
    and stop there; a plain-word mention ("I cannot use the calculator") does not count.
    """
    for name in tool_names:
        loose = re.escape(name).replace("_", "[._]").replace(r"\.", "[._]")
        if re.search(rf"`{loose}(?:\(|`)|(?<![\w.]){loose}\s*\(", text):
            return name
    return None


_RUNAWAY = re.compile(r"(\w.{0,11}?|.{0,11}?\w)\1{11,}\Z", re.DOTALL)
RUNAWAY_MIN_CHARS = 60
RUNAWAY_MIN_CHARS_ONE = 24


def runaway_end(text: str) -> int | None:
    """Where a reply that has degenerated into repeating itself should be cut, or None.

    Small models at temperature 0 sometimes loop on a short unit ("1000000000…", "the the the…")
    until the token limit. A unit of up to 12 characters, holding a letter or digit, repeated at
    least 12 times over 60 or more characters (24 for a single character) ends the reply after
    its third repeat; runs of punctuation or spaces (rules, tables, indentation) never do.
    """
    tail_start = max(0, len(text) - 160)  # checked on every delta: a run is caught as it grows
    m = _RUNAWAY.search(text, tail_start)
    if m is None:
        return None
    # One character over and over ("1000000…"; Qwen writes a digit per token) is caught sooner.
    if len(m.group(0)) < (RUNAWAY_MIN_CHARS_ONE if len(m.group(1)) == 1 else RUNAWAY_MIN_CHARS):
        return None
    return m.start() + 3 * len(m.group(1))


def complete_action_end(text: str, tool_names: Collection[str] = ()) -> int | None:
    """Where a complete action ends in streamed text so far, or None (used to stop generation early)."""
    if not any(ch in text for ch in "}>)"):
        return None
    found = extract_actions(text, tool_names)
    if not found.calls or found.error:
        return None
    # Complete means the JSON is closed: a half-streamed object must not pass for a call
    # just because it can be repaired. An open fence or tag does not matter.
    first = [i for i in (text.find("{", found.start), text.find("[", found.start)) if i >= 0]
    if not first:
        return found.end
    begin = min(first)
    closer = "}" if text[begin] == "{" else "]"
    return _balanced_end(text, begin, text[begin], closer)


# -- finders ----------------------------------------------------------------------------------


def _from_tags(text: str) -> Extraction | None:
    matches = list(_TAG_RE.finditer(text))
    if not matches:
        return None
    calls: list[ActionCall] = []
    for m in matches:
        payload = _strip_fence(m.group(1))
        parsed = _parse_calls(payload)
        if parsed is None:
            return _error(text, m.start(), "the JSON inside <tool_call> could not be read")
        calls.extend(parsed)
    return _done(text, matches[0].start(), calls, _json_end(text, matches[-1]))


def _from_fences(text: str) -> Extraction | None:
    for m in _FENCE_RE.finditer(text):
        lang, body = m.group(1).lower(), m.group(2)
        if lang not in ("", "json", "tool_call", "tool_code", "javascript", "python", "py"):
            continue
        if lang in ("python", "py", "tool_code"):
            continue  # handled by the python-call finder, which needs known tool names
        parsed = _parse_calls(body)
        if parsed:
            return _done(text, m.start(), parsed, _json_end(text, m))
        if _looks_like_call(body):
            return _error(text, m.start(), "the JSON in your code block could not be read")
    return None


def _from_react(text: str) -> Extraction | None:
    m = _REACT_RE.search(text)
    if m is None:
        if re.search(r"^\s*Action\s*:", text, re.MULTILINE | re.IGNORECASE) and not re.search(
            r"final\s+answer", text, re.IGNORECASE
        ):
            return _error(text, 0, "an 'Action:' line needs an 'Action Input:' line with a JSON object")
        return None
    name, raw_args = m.group(1), _strip_fence(m.group(2).strip())
    args = parse_json(raw_args) if raw_args else {}
    if not isinstance(args, dict):
        return _error(text, m.start(), "'Action Input' must be a JSON object of arguments")
    return _done(text, m.start(), [ActionCall(name=name, arguments=args, raw=m.group(0))], m.end())


def _from_bare_json(text: str, tool_names: Collection[str]) -> Extraction | None:
    if "{" not in text:
        return None
    decoder = json.JSONDecoder()
    for start in (i for i, ch in enumerate(text) if ch in "{["):
        try:
            obj, end = decoder.raw_decode(text, start)
        except ValueError:
            continue
        calls = _as_calls(obj)
        if calls and all(c.name in tool_names for c in calls):
            return _done(text, start, calls, end)
    return None


def _from_python_call(text: str, tool_names: Collection[str]) -> Extraction | None:
    if not tool_names or "(" not in text:
        return None
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in tool_names) + r")\s*\(")
    for m in pattern.finditer(text):
        end = _balanced_end(text, m.end() - 1, "(", ")")
        if end is None:
            continue
        snippet = text[m.start() : end]
        try:
            node = ast.parse(snippet, mode="eval").body
        except SyntaxError:
            continue
        if not isinstance(node, ast.Call):
            continue
        try:
            args = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
            positional = [ast.literal_eval(a) for a in node.args]
        except (ValueError, SyntaxError):
            continue
        if positional:  # name the positional arguments after the tool's parameters, in order
            params = _parameter_names(tool_names, m.group(1))
            if len(positional) > len(params):
                continue
            args = {**dict(zip(params, positional, strict=False)), **args}
        return _done(text, m.start(), [ActionCall(name=m.group(1), arguments=args, raw=snippet)], end)
    return None


# -- helpers ----------------------------------------------------------------------------------


def _parameter_names(tools: Collection[str], name: str) -> list[str]:
    """The parameters of tool ``name`` in order, when ``tools`` maps names to tools (else none)."""
    tool = tools.get(name) if isinstance(tools, Mapping) else None
    properties = getattr(tool, "parameters", {}).get("properties", {}) if tool is not None else {}
    return list(properties)


def _parse_calls(payload: str) -> list[ActionCall] | None:
    obj = parse_json(payload)
    return _as_calls(obj) or None


def _as_calls(obj: Any) -> list[ActionCall]:
    items = obj if isinstance(obj, list) else [obj]
    calls = []
    for item in items:
        call = _as_call(item)
        if call is None:
            return []
        calls.append(call)
    return calls


def _as_call(obj: Any) -> ActionCall | None:
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # OpenAI's {"type": "function", "function": {...}}
        return _as_call(obj["function"])
    name = next((obj[k] for k in _NAME_KEYS if isinstance(obj.get(k), str)), None)
    if not name:
        return None
    args: Any = next((obj[k] for k in _ARG_KEYS if k in obj), None)
    if args is None:
        rest = {k: v for k, v in obj.items() if k not in _NAME_KEYS and k != "type"}
        args = rest
    if isinstance(args, str):
        parsed = parse_json(args)
        args = parsed if isinstance(parsed, dict) else {"input": args}
    if not isinstance(args, dict):
        return None
    return ActionCall(name=name.strip(), arguments=args, raw=json.dumps(obj, ensure_ascii=False))


def parse_json(payload: str) -> Any:
    """Parse JSON, repairing near misses; None when nothing sensible comes out."""
    payload = payload.strip()
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = min((i for i in (payload.find("{"), payload.find("[")) if i >= 0), default=-1)
    if start >= 0:
        try:
            return decoder.raw_decode(payload, start)[0]
        except ValueError:
            pass
    try:
        import json_repair

        repaired = json_repair.loads(payload)
    except Exception:
        return None
    return repaired if isinstance(repaired, (dict, list)) and repaired else None


def _looks_like_call(body: str) -> bool:
    return any(f'"{k}"' in body or f"'{k}'" in body for k in _NAME_KEYS[:3])


def _strip_fence(payload: str) -> str:
    m = re.match(r"^\s*```[A-Za-z_]*\s*\n?(.*?)(?:```\s*)?$", payload, re.DOTALL)
    return m.group(1) if m else payload


def _json_end(text: str, m: re.Match[str]) -> int:
    """End of the JSON value inside a tag or fence match (so an unclosed fence still counts as complete)."""
    start = next((i for i in range(m.start(), m.end()) if text[i] in "{["), None)
    if start is None:
        return m.end()
    end = _balanced_end(text, start, text[start], "}" if text[start] == "{" else "]")
    return end if end is not None else m.end()


def _balanced_end(text: str, start: int, open_ch: str, close_ch: str) -> int | None:
    depth, in_str, quote, escape = 0, False, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == quote:
                in_str = False
        elif ch in "\"'":
            in_str, quote = True, ch
        elif ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _thought(text: str, start: int) -> str:
    thought = re.sub(r"```[A-Za-z_]*\s*\Z", "", text[:start]).strip()  # the opener of a fenced call
    return re.sub(r"^\s*thought\s*:\s*", "", thought, flags=re.IGNORECASE).strip()


def _done(text: str, start: int, calls: list[ActionCall], end: int) -> Extraction:
    return Extraction(calls=calls, thought=_thought(text, start), end=end, start=start)


def _error(text: str, start: int, problem: str) -> Extraction:
    return Extraction(thought=_thought(text, start), error=problem, end=len(text), start=start)
