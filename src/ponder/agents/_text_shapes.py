"""What a reply's plain text says around its calls: the answer, a tool named but not called, a runaway.

Each function reads the reply once (no pattern that backtracks over runs of text).
"""

from __future__ import annotations

import re
from collections.abc import Collection

_FINAL_MARK_RE = re.compile(r"final\s+answer\s*:", re.IGNORECASE)
_THOUGHT_LINE_RE = re.compile(r"^\s*thought\s*:", re.IGNORECASE)
_FINAL_RE = re.compile(r"^\s*(?:final\s+answer|answer)\s*:\s*", re.IGNORECASE)

# Look-alikes of the characters calls are written with, mapped one to one to their ASCII twins
# (so offsets stay valid): fullwidth brackets and punctuation, curly quotes.
_LOOKALIKE_PAIRS = (
    {
        "\uff5b": "{", "\uff5d": "}", "\uff3b": "[", "\uff3d": "]", "\uff08": "(", "\uff09": ")",
        "\uff1a": ":", "\uff0c": ",", "\uff02": '"', "\uff07": "'", "\uff1c": "<", "\uff1e": ">",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    }
)
LOOKALIKE_CHARS = "".join(_LOOKALIKE_PAIRS)
TO_ASCII = str.maketrans(_LOOKALIKE_PAIRS)


def final_answer(text: str) -> str:
    """The answer part of a reply with no action: drops ReAct scaffolding such as 'Thought:' and 'Final Answer:'."""
    marker = _FINAL_MARK_RE.search(text)
    if marker:
        return text[marker.end() :].strip()
    lines = [ln for ln in text.strip().splitlines() if not _THOUGHT_LINE_RE.match(ln)]
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
_RUNAWAY_TAIL = 160
_WORD = re.compile(r"\w")


def runaway_end(text: str) -> int | None:
    """Where a reply that has degenerated into repeating itself should be cut, or None.

    Small models at temperature 0 sometimes loop on a short unit ("1000000000…", "the the the…")
    until the token limit. A unit of up to 12 characters, holding a letter or digit, repeated at
    least 12 times over 60 or more characters (24 for a single character) ends the reply after
    its third repeat; runs of punctuation or spaces (rules, tables, indentation) never do.
    Only the last 160 characters are looked at: it is checked on every delta, and a run is
    caught as it grows.
    """
    end = text[-RUNAWAY_MIN_CHARS_ONE:]
    if len(end) < RUNAWAY_MIN_CHARS_ONE or not _WORD.search(end) or not any(end[p:] == end[:-p] for p in range(1, 13)):
        return None  # the last 24 characters repeat no unit of 1-12 with a letter or digit (a cheap test per delta)
    tail_start = max(0, len(text) - _RUNAWAY_TAIL)
    m = _RUNAWAY.search(text[tail_start:])
    if m is None:
        return None
    if len(m.group(0)) < (RUNAWAY_MIN_CHARS_ONE if len(m.group(1)) == 1 else RUNAWAY_MIN_CHARS):
        return None
    return tail_start + m.start() + 3 * len(m.group(1))
