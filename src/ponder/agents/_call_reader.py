"""The finders behind ``extract_actions``: one reading of one reply, linear in its length.

Every finder either scans the text once with a pattern that cannot backtrack over runs of it,
or tries a bounded number of candidate positions (``MAX_ATTEMPTS``), each scanned once with
nesting measured before anything is parsed (``_call_json.scan``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from ponder.agents._call_json import MAX_DEPTH, RepairBudget, literal_value, parse_json, parse_python, scan
from ponder.agents._call_objects import (
    ARG_KEYS,
    NAME_KEYS,
    XML_CALL_RE,
    ActionCall,
    Extraction,
    as_calls,
    spelled_out,
    strict,
    strip_fence,
    xml_calls,
)

MAX_ATTEMPTS = 24
"""Candidate positions (or code blocks) a finder tries at most: keeps each one linear."""

_TAG_RE = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
_FENCE_RE = re.compile(r"```[ \t]*([A-Za-z_]*)[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_ACTION_LINE = re.compile(r"^[ \t]*Action[ \t]*:[ \t]*(.*)$", re.MULTILINE | re.IGNORECASE)
_BLANK_LINES = re.compile(r"[ \t\r\n]*")
_INPUT_LINE = re.compile(r"[ \t]*Action[ \t]*Input[ \t]*:[ \t]*", re.IGNORECASE)
_SECTION = re.compile(r"^[ \t]*(?:Observation|Thought|Action)[ \t]*:", re.MULTILINE | re.IGNORECASE)
_FINAL_MARK = re.compile(r"final[ \t]+answer", re.IGNORECASE)
_TOOL_NAME = re.compile(r"`?([A-Za-z_][\w.\-]*)`?")
_CANDIDATE = re.compile(r"\{[ \t\r\n]*[\"']|\[[ \t\r\n]*\{")
_KWARG_START = re.compile(r"[ \t]*[A-Za-z_]\w*[ \t]*=")
_MARKERS = re.compile(r"<tool_call>|<function=|<invoke[ \t]+name=|<\|python_tag\|>|\[TOOL_CALLS\]|<\|tool_call\|>")
_NAMED = re.compile(r"[\"'](?:" + "|".join(NAME_KEYS) + r")[\"'][ \t]*:[ \t]*[\"']([A-Za-z_][\w.\-]{0,100})[\"']")
_ARGS_KEY = re.compile(r"[\"'](?:" + "|".join(ARG_KEYS) + r")[\"'][ \t]*:")
_NAMED_WINDOW = 2000


class Reader:
    """One reading of one reply: the finders share its repair budget and what it has seen."""

    def __init__(self, text: str, tool_names: Collection[str]) -> None:
        self.text = text
        self.names = tool_names
        self.budget = RepairBudget()
        self.unreadable: tuple[int, str] | None = None
        """An attempted call that could not be read: (where, why), reported if nothing else is found."""

    def read(self) -> Extraction | None:
        for finder in (self._from_tags, self._from_xml, self._from_fences, self._from_react):
            found = finder()
            if found is not None:
                return found
        found = self._from_bare_json() or self._from_python_call()
        if found is not None:
            return found
        if self.unreadable is not None:
            return self._error(*self.unreadable)
        marker = _MARKERS.search(self.text)
        if marker is not None:
            return self._error(marker.start(), "a tool call was started but could not be read")
        return None

    # -- finders ------------------------------------------------------------------------------
    def _from_tags(self) -> Extraction | None:
        calls: list[ActionCall] = []
        first = last_end = -1
        closed = True
        for m in _TAG_RE.finditer(self.text):
            payload = strip_fence(m.group(1).strip())
            parsed = self._parse_calls(payload) or xml_calls(payload, self.budget)
            if not parsed:
                return self._error(m.start(), "the JSON inside <tool_call> could not be read")
            calls.extend(parsed)
            first = m.start() if first < 0 else first
            last_end, ok = self._value_end(m.start(1), m.end(1), fallback=m.end())
            closed = closed and ok
        if not calls:
            return None
        return self._done(first, calls, last_end, closed=closed)

    def _from_xml(self) -> Extraction | None:
        m = XML_CALL_RE.search(self.text)
        if m is None:
            return None
        calls = xml_calls(m.group(0), self.budget)
        if not calls:
            return self._error(m.start(), "the <function=...> call could not be read")
        return self._done(m.start(), calls, m.end(), closed=m.group(0).rstrip().endswith((">", "}")))

    def _from_fences(self) -> Extraction | None:
        """The calls of the first fenced block holding one, and of the blocks right after it (several at once)."""
        tried = 0
        calls: list[ActionCall] = []
        start = end = 0
        closed = True
        for m in _FENCE_RE.finditer(self.text):
            if calls and self.text[end : m.start()].strip(" \t\n`"):
                break  # prose between blocks: the calls end with the last block before it
            lang, body = m.group(1).lower(), m.group(2)
            if lang not in ("", "json", "tool_call", "javascript"):
                continue  # python/tool_code blocks are for the Python-call finder
            tried += 1
            if tried > MAX_ATTEMPTS:
                break
            parsed = self._parse_calls(body)
            if parsed:
                if not calls:
                    start = m.start()
                calls.extend(parsed)
                end, ok = self._value_end(m.start(2), m.end(2), fallback=m.end())
                closed = closed and ok
                continue
            if not calls and any(f'"{k}"' in body or f"'{k}'" in body for k in NAME_KEYS[:3]):
                return self._error(m.start(), "the JSON in your code block could not be read")
        return self._done(start, calls, end, closed=closed) if calls else None

    def _from_react(self) -> Extraction | None:
        text = self.text
        m = _ACTION_LINE.search(text)
        if m is None:
            return None
        name = _TOOL_NAME.fullmatch(m.group(1).strip())
        after = _BLANK_LINES.match(text, m.end())
        given = _INPUT_LINE.match(text, after.end() if after else m.end())
        if name is None or given is None:
            if _FINAL_MARK.search(text):
                return None
            return self._error(m.start(), "an 'Action:' line needs an 'Action Input:' line with a JSON object")
        section = _SECTION.search(text, given.end())
        stop = section.start() if section else len(text)
        raw = strip_fence(text[given.end() : stop].strip())
        args = self._parse(raw) if raw else {}
        if not isinstance(args, dict):
            return self._error(m.start(), "'Action Input' must be a JSON object of arguments")
        end, closed = self._value_end(given.end(), stop, fallback=stop)
        return self._done(m.start(), [ActionCall(name=name.group(1), arguments=args, raw=text[m.start() : end])], end, closed=closed)

    def _from_bare_json(self) -> Extraction | None:
        text = self.text
        for attempt, m in enumerate(_CANDIDATE.finditer(text)):
            if attempt >= MAX_ATTEMPTS:
                break
            start = m.start()
            extent = scan(text, start)
            if extent.end is None:
                self._note_unreadable(start, too_deep=extent.too_deep)
                continue
            snippet = text[start : extent.end]
            obj = strict(snippet)
            if obj is None and self._attempted(start):  # a call, but not strict JSON: single quotes, comments
                obj = parse_json(snippet, budget=self.budget)
            calls = as_calls(obj, self.budget)
            if calls and (all(c.name in self.names for c in calls) or (self.names and spelled_out(obj))):
                return self._done(start, calls, extent.end, closed=True)
            if not calls:
                self._note_unreadable(start, too_deep=False)
        return None

    def _from_python_call(self) -> Extraction | None:
        text = self.text
        if not self.names or "(" not in text:
            return None
        for attempt, m in enumerate(_call_pattern(tuple(self.names)).finditer(text)):
            if attempt >= MAX_ATTEMPTS:
                break
            opening = m.end() - 1
            kwargs = _KWARG_START.match(text, opening + 1) is not None
            extent = scan(text, opening)
            if extent.end is None:
                if kwargs:
                    why = f"nested more than {MAX_DEPTH} levels deep" if extent.too_deep else "not closed"
                    self.unreadable = self.unreadable or (m.start(), f"the call {m.group(1)}(...) is {why}")
                continue
            snippet = text[m.start() : extent.end]
            try:
                node = parse_python(snippet).body
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                if kwargs:
                    self.unreadable = self.unreadable or (m.start(), f"the call {m.group(1)}(...) is not valid Python")
                continue
            if not isinstance(node, ast.Call):
                continue
            named_after = _parameter_names(self.names, m.group(1))
            if len(node.args) > len(named_after):
                continue  # more positional arguments than the tool has parameters: not a call of it
            try:  # positional arguments are named after the tool's parameters, in order
                positional = [literal_value(a) for a in node.args]
            except ValueError:
                continue  # `def add(a, b)`, `add(x, y)`: code about the tool, not a call
            try:
                if any(kw.arg is None for kw in node.keywords):
                    raise ValueError("**")
                args = {str(kw.arg): literal_value(kw.value) for kw in node.keywords}
            except ValueError:
                return self._error(
                    m.start(), f"the arguments of {m.group(1)}(...) must be written out as values (numbers, strings, lists), not expressions"
                )
            args = {**dict(zip(named_after, positional, strict=False)), **args}
            return self._done(m.start(), [ActionCall(name=m.group(1), arguments=args, raw=snippet)], extent.end, closed=True)
        return None

    # -- helpers ------------------------------------------------------------------------------
    def _parse(self, payload: str) -> Any:
        return parse_json(payload, budget=self.budget)

    def _parse_calls(self, payload: str) -> list[ActionCall] | None:
        return as_calls(self._parse(payload), self.budget) or None

    def _value_end(self, start: int, stop: int, *, fallback: int) -> tuple[int, bool]:
        """End of the JSON value in ``text[start:stop]`` and whether it closes (an open fence or tag does not matter)."""
        brace = [i for i in (self.text.find("{", start, stop), self.text.find("[", start, stop)) if i >= 0]
        if not brace:
            return fallback, True
        extent = scan(self.text[:stop], min(brace))
        return (extent.end, True) if extent.end is not None else (fallback, False)

    def _attempted(self, start: int) -> str | None:
        """The tool an object at ``start`` calls, judged from its first characters: a known tool's
        name under a name key, or any name followed by an arguments key."""
        named = _NAMED.search(self.text, start, start + _NAMED_WINDOW)
        if named is None:
            return None
        if named.group(1) in self.names or _ARGS_KEY.search(self.text, named.end(), start + _NAMED_WINDOW):
            return named.group(1)
        return None

    def _note_unreadable(self, start: int, *, too_deep: bool) -> None:
        """An object that cannot be read (never closes, nests too deep, is not JSON): remember it
        if it is an attempted call, to report if no readable call turns up."""
        if self.unreadable is not None:
            return
        if too_deep:
            self.unreadable = (start, f"the JSON is nested more than {MAX_DEPTH} levels deep")
            return
        name = self._attempted(start)
        if name is not None:
            self.unreadable = (start, f"the JSON of your call to {name} is not complete or not valid JSON")

    def _done(self, start: int, calls: list[ActionCall], end: int, *, closed: bool) -> Extraction:
        return Extraction(calls=calls, thought=_thought(self.text, start), end=end, start=start, closed=closed)

    def _error(self, start: int, problem: str) -> Extraction:
        return Extraction(thought=_thought(self.text, start), error=problem, end=len(self.text), start=start)


@lru_cache(maxsize=64)
def _call_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in ordered) + r")[ \t]*\(")


def _parameter_names(tools: Collection[str], name: str) -> list[str]:
    """The parameters of tool ``name`` in order, when ``tools`` maps names to tools (else none)."""
    tool = tools.get(name) if isinstance(tools, Mapping) else None
    properties = getattr(tool, "parameters", {}).get("properties", {}) if tool is not None else {}
    return list(properties)


def _thought(text: str, start: int) -> str:
    thought = _FENCE_OPENER.sub("", text[:start]).strip()  # the opener of a fenced call is not thought
    return re.sub(r"^[ \t]*thought[ \t]*:[ \t]*", "", thought, flags=re.IGNORECASE).strip()


_FENCE_OPENER = re.compile(r"```[A-Za-z_]*[ \t\r\n]*\Z")
