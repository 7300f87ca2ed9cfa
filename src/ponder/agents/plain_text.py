"""Answers written for where they are shown: LaTeX math turned into plain text.

Small models trained on maths data answer in LaTeX (``\\boxed{36}``, ``12 \\times 3``,
``\\frac{1}{2}``), which a terminal, a log or a JSON field shows raw. ``plain_answer`` rewrites
the common math markup as plain text and leaves everything else alone: code blocks, dollar
amounts ("$23.40"), JSON and backslashes that are not LaTeX commands.
"""

from __future__ import annotations

import re

_SYMBOLS = {
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "ne": "≠", "infty": "∞", "pi": "π", "degree": "°", "circ": "°", "to": "→",
    "rightarrow": "→", "Rightarrow": "⇒", "implies": "⇒", "quad": " ", "qquad": " ", "ldots": "…",
    "cdots": "…", "dots": "…", "%": "%", "$": "$", ",": " ", ";": " ", "!": "", " ": " ",
}  # fmt: skip
_UNWRAP = ("boxed", "text", "textbf", "textit", "mathrm", "mathbf", "mathit", "operatorname", "displaystyle")
_UNWRAP_RE = re.compile(r"\\(?:" + "|".join(_UNWRAP) + r")\s*\{([^{}]*)\}")
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[%$,;! ])")


def plain_answer(text: str) -> str:
    """``text`` with LaTeX math markup rewritten as plain text (code blocks untouched)."""
    if "\\" not in text and "$$" not in text:
        return text
    out, last = [], 0
    for fence in _FENCE.finditer(text):
        out.append(_plain(text[last : fence.start()]))
        out.append(fence.group(0))
        last = fence.end()
    out.append(_plain(text[last:]))
    return "".join(out)


def _plain(text: str) -> str:
    if not _COMMAND.search(text) and "$$" not in text:
        return text
    text = re.sub(r"\\\[|\\\]|\\\(|\\\)|\$\$", "", text)
    text = re.sub(r"\$([^$\n]*\\[^$\n]*)\$", r"\1", text)  # $...$ only around LaTeX, never "$5 and $10"
    for _ in range(4):  # nested \boxed{\frac{..}{..}}
        text = re.sub(r"\\d?frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: f"{_wrap(m.group(1))}/{_wrap(m.group(2))}", text)
        text = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", text)
        text = _UNWRAP_RE.sub(r"\1", text)
    text = re.sub(r"\\left|\\right", "", text)
    text = re.sub(r"\^\{([^{}]*)\}", r"^\1", text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    text = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(0)[1:], m.group(0)), text)
    return re.sub(r"[ \t]{2,}", " ", text)


def _wrap(part: str) -> str:
    part = part.strip()
    return part if re.fullmatch(r"[\w.]+", part) else f"({part})"
