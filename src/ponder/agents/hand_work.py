"""Arithmetic done by hand when a tool could do it: the loop asks once for the tool instead.

Small models offered a calculator often answer a word problem by writing the sums out
themselves ("23.40 × 37.5 = 892.50"), and get them wrong. ``hand_arithmetic`` finds such a
worked expression in an answer; ``computing_tool`` finds a tool that evaluates expressions (by
its name, description or parameters, not by a fixed name). Before any tool has run, an answer
with both gets one observation asking for the tool; the model then computes and answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ponder.tools.base import Tool

_NUMBER = r"\$?\d[\d,]*(?:\.\d+)?%?"
_OPERATOR = r"(?:[×*÷/+^−]|\s[x-]\s)"
# two numbers joined by an operator, with at most a few unit words between them ("2.25 cups × 14")
_EXPRESSION = re.compile(rf"{_NUMBER}(?:\s*[A-Za-z/]+){{0,3}}\s*{_OPERATOR}\s*\(?\s*{_NUMBER}")
_COMPUTES = re.compile(r"calculat|arithmetic|math|evaluat|expression|comput", re.IGNORECASE)


def hand_arithmetic(answer: str) -> str | None:
    """The first line of ``answer`` that works a sum out (an expression of numbers and a stated result)."""
    if "=" not in answer and " is " not in answer:
        return None
    for line in answer.splitlines():
        match = _EXPRESSION.search(line)
        if match and ("=" in line or re.search(r"\bis\s+\$?\d", line[match.end() :])):
            return line.strip()
    return None


def computing_tool(tools: Mapping[str, Tool]) -> str | None:
    """A tool that evaluates arithmetic: one taking an expression string first, else one that says it calculates."""
    ranked = []
    for name, tool in tools.items():
        text = f"{name} {tool.description}"
        if not _COMPUTES.search(text):
            continue
        properties = tool.parameters.get("properties", {})
        takes_expression = any(re.search("expr|formula|equation", p, re.IGNORECASE) for p in properties)
        ranked.append((0 if takes_expression else 1, name))
    return min(ranked)[1] if ranked else None
