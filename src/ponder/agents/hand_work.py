"""Arithmetic done by hand when a tool could do it: the loop asks once for the tool instead.

Small models offered a calculator often answer a word problem by writing the sums out
themselves ("23.40 × 37.5 = 892.50"), and get them wrong. ``hand_arithmetic`` finds such a
worked expression in an answer; ``computing_tool`` finds a tool that evaluates expressions (by
its name, description or parameters, not by a fixed name). Before any tool has run, an answer
with both gets one observation asking for the tool, and the next reply must be a call: the model
writes the whole calculation for the tool and answers with its result. If it answers without one
anyway, the worked answer stands (a bare number written instead is mostly wrong).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ponder.tools.base import Tool

_NUMBER = r"\$?\d[\d,]*(?:\.\d+)?%?"
_OPERATOR = r"(?:[×*÷/+^−]|\s[x-]\s)"
# two numbers joined by an operator, with at most a few unit words between them ("2.25 cups × 14")
_EXPRESSION = re.compile(rf"{_NUMBER}(?:\s*[A-Za-z/]+){{0,3}}\s*{_OPERATOR}\s*\(?\s*{_NUMBER}")
_IMAGINED_OUTPUT = re.compile(r"```\s*(?:output|result|stdout)\s*\n", re.IGNORECASE)
"""A fenced block of "output" after code in an answer: the model wrote what its program would print."""
_COMPUTES = re.compile(r"calculat|arithmetic|math|evaluat|expression|comput", re.IGNORECASE)


def hand_arithmetic(answer: str) -> str | None:
    """The first expression ``answer`` works out by hand (numbers, operators, a stated result), as
    written; or "the output of your code" when it shows a program's output that nothing ran."""
    if _IMAGINED_OUTPUT.search(answer):
        return "the output of your code"
    if "=" not in answer and "≈" not in answer and " is " not in answer:
        return None
    for line in answer.splitlines():
        match = _EXPRESSION.search(line)
        if match and ("=" in line or "≈" in line or re.search(r"\bis\s+\$?\d", line[match.end() :])):
            return _widen(line, match)
    return None



def _widen(line: str, match: re.Match[str]) -> str:
    """The whole run of numbers and operators around ``match`` (``(187.60 + 28.14) / 4``), up to ``=``."""
    start, end = match.start(), match.end()
    while True:
        following = re.match(rf"\s*\)?\s*{_OPERATOR}\s*\(?\s*{_NUMBER}(?:\s*[A-Za-z/]+){{0,3}}", line[end:])
        if following is None or following.group(0).strip().startswith(("=", "≈")):
            break
        end += following.end()
    while start > 0 and line[start - 1] in "( ":
        start -= 1
    return line[start:end].strip()


def computing_tool(tools: Mapping[str, Tool]) -> tuple[str, str] | None:
    """(name, parameter) of a tool that evaluates an arithmetic expression given as one string, or None."""
    found = []
    for name, tool in tools.items():
        if not _COMPUTES.search(f"{name} {tool.description}"):
            continue
        properties = tool.parameters.get("properties", {})
        strings = [p for p, spec in properties.items() if spec.get("type") == "string"]
        takes = [p for p in strings if re.search("expr|formula|equation|input|query", p, re.IGNORECASE)]
        if len(properties) == 1 and strings or takes:
            found.append((0 if takes else 1, name, (takes or strings)[0]))
    if not found:
        return None
    _, name, parameter = min(found)
    return name, parameter
