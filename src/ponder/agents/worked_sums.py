"""Worked arithmetic checked: "25.75 × 19.80 = 517.10" in an answer is recomputed, and a wrong one corrected.

Small models set a word problem up well and then slip in the sums they write out (the 1.5B model:
"8.5 + 7.25 + 9 = 25.75", "342 × 0.28 = 94.56"), with or without a calculator offered.
``check_sums`` finds each equation an answer works out (an arithmetic expression, then ``=`` or
``≈`` and a number), recomputes it with the calculator's exact evaluator, and returns the ones
that are wrong beyond the rounding the answer shows. The loop sends the right values back (twice
a run at most: a corrected sum leads to new ones), and the model answers again with them; an
answer whose sums all check out needs no calculator either. Equations it cannot read (variables, percentages, words inside) are not judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ponder.tools.builtin.calculator import CalcError, value_of

_RELATION = re.compile(r"\s*(=|≈)\s*")
_TIMES_X = re.compile(r"(?<=[\d)])\s+x\s+(?=[\d(])")
_UNIT_WORDS = re.compile(r"(?<=[\d)])\s*(?:[^\W\d_]+\.?\s*){1,3}(?=\s*[×*/÷+\-−·])")
_TRAILING_WORDS = re.compile(r"(?<=[\d)])(?:\s*[^\W\d_]+\.?)+\s*$")
_CLAUSE = re.compile(r"[,;:]\s")
_FUSED = re.compile(r"\d[^\W\d_]|[^\W\d_]\d")
"""A letter against a digit ("2x", "x2", "C4"): algebra or a name, not arithmetic."""
_ARITHMETIC_TAIL = re.compile(r"[\d.,\s()+\-−*/×÷^·]*\d[\d.,\s()+\-−*/×÷^·]*$")
_LEADING_NUMBER = re.compile(r"^\s*[$€£]?\s*(-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?)")
_CONTINUES = re.compile(r"^\s*[+\-−*/×÷^·x(]\s*[\d(]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


@dataclass(frozen=True)
class WrongSum:
    expression: str
    stated: str
    value: float
    feeds_later: bool = False
    """A later equation of the answer works with the wrong result (so it is wrong too)."""

    def describe(self) -> str:
        return f"{self.expression} is {_show(self.value)}, not {self.stated}"

    def right_value(self) -> str:
        """The right result, written as the wrong one was (its decimals, its thousands separators)."""
        decimals = len(self.stated.split(".")[1]) if "." in self.stated else 0
        if decimals == 0 and not float(self.value).is_integer():
            decimals = 2
        written = f"{self.value:,.{decimals}f}" if "," in self.stated else f"{self.value:.{decimals}f}"
        return written


@dataclass(frozen=True)
class SumCheck:
    checked: int
    """How many worked equations could be recomputed."""
    wrong: list[WrongSum]
    """The wrong ones, in order (at most four)."""

    @property
    def all_right(self) -> bool:
        return self.checked > 0 and not self.wrong


def check_sums(answer: str) -> SumCheck:
    """Recompute the equations ``answer`` works out."""
    expressions: list[str] = []
    wrong: list[WrongSum] = []
    for line in answer.splitlines():
        parts = _RELATION.split(line)
        for i in range(0, len(parts) - 2, 2):
            verdict = _check(parts[i], parts[i + 1], parts[i + 2])
            if verdict is None:
                continue
            expression = verdict.expression if isinstance(verdict, WrongSum) else verdict
            for j, earlier in enumerate(wrong):
                if _uses(expression, earlier.stated):
                    wrong[j] = replace(earlier, feeds_later=True)
            if isinstance(verdict, WrongSum) and verdict not in wrong and not any(_uses(expression, w.stated) for w in wrong):
                wrong.append(verdict)  # a step built on an earlier slip is wrong because of it: only the slip is named
            expressions.append(expression)
    return SumCheck(checked=len(expressions), wrong=wrong[:4])


def with_right_values(answer: str, wrong: list[WrongSum]) -> str:
    """``answer`` with each wrong result that nothing later builds on replaced by the right one,
    wherever it is written ("= 54.92", "costs 54.92 dollars")."""
    for w in wrong:
        if not w.feeds_later:
            answer = re.sub(rf"(?<![\d.,]){re.escape(w.stated)}(?![\d]|[.,]\d)", w.right_value(), answer)
    return answer


def _uses(expression: str, stated: str) -> bool:
    return stated.replace(",", "") in {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", expression)}


def _check(left: str, relation: str, right: str) -> WrongSum | str | None:
    """The expression of a right equation; a ``WrongSum``; None: no equation that can be recomputed."""
    stated_match = _LEADING_NUMBER.match(right)
    if stated_match is None or _CONTINUES.match(right[stated_match.end() :]):
        return None  # "a = b × c = d": only the last link states a result
    left = _CLAUSE.split(left)[-1]
    if _FUSED.search(left):
        return None
    left = _TRAILING_WORDS.sub("", _UNIT_WORDS.sub(" ", _TIMES_X.sub(" * ", left)))
    tail = _ARITHMETIC_TAIL.search(left)
    if tail is None:
        return None
    expression = tail.group(0).strip().strip(",.").strip()
    if len(re.findall(r"\d+(?:\.\d+)?", expression)) < 2 or not re.search(r"\d\s*\)?\s*[+\-−*/×÷^·]\s*\(?\s*\d", expression):
        return None
    stated = stated_match.group(1)
    try:
        value = value_of(_THOUSANDS.sub("", expression).replace("·", "*"))
        said = float(stated.replace(",", ""))
    except (CalcError, ValueError, ZeroDivisionError, TypeError):
        return None
    if abs(value - said) <= _slack(stated, said, approximate=relation == "≈"):
        return expression
    return WrongSum(expression=expression, stated=stated, value=value)


def _slack(stated: str, said: float, *, approximate: bool) -> float:
    """How far a stated result may be from the exact one: its rounding (half its last digit), more
    for "≈" (1%), and never less than a rounding to whole units of a large figure."""
    decimals = len(stated.split(".")[1]) if "." in stated else 0
    slack = 0.5 * 10**-decimals * 1.0001
    if approximate:
        slack = max(slack, 0.01 * abs(said))
    return slack


def _show(value: float) -> str:
    return f"{value:.10g}" if abs(value) < 1e15 else f"{value:.6g}"
