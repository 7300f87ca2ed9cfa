"""Calls that cover only part of a request: "the BMI of a 6 ft, 80 kg person and of a 5.6 ft, 60 kg one".

Asked for the same thing several times over, a small model mostly makes one call and then
answers for the rest from its head. ``uncovered_givens`` compares the run's first calls with the
numbers the task gives: when the calls use some of them and leave others out, the loop holds the
calls back and asks once for all the calls the task needs, in one reply. A calculation's steps
rightly come one after another, so the computing tool is not held (``RunLoop._uncovered``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])-?\d+(?:\.\d+)?(?![\w])")
_ANY_NUMBER = re.compile(r"(?<!\d)-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)")
_SCALES = (1.0, 10.0, 100.0, 1000.0, 0.1, 0.01, 0.001)
"""A given still counts as used when it was converted (3% as 0.03, 1.2 kg as 1200 g)."""


def numbers_in(text: str) -> list[tuple[str, float]]:
    """The numbers ``text`` writes, as written and as values ("18,400" is 18400)."""
    found = []
    for match in _NUMBER.finditer(text):
        written = match.group(0)
        try:
            found.append((written, float(written.replace(",", ""))))
        except ValueError:
            continue
    return found


def uncovered_givens(task: str, calls: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The numbers ``task`` gives (beyond small counts) that none of ``calls`` uses, when the calls
    use some of them; else (). Calls that use none of the task's numbers are not about them."""
    written = json.dumps(list(calls), ensure_ascii=False, default=str)
    used = [float(n.replace(",", "")) for n in _ANY_NUMBER.findall(written)]  # "2026-03-12T15:00" holds 12 and 15
    given = [(w, v) for w, v in numbers_in(task) if _worth_checking(v)]
    left = [w for w, v in given if not _used(w, v, task, used)]
    return tuple(dict.fromkeys(left))[:4] if len(left) < len(given) else ()


def _worth_checking(value: float) -> bool:
    """Small whole numbers are counts and steps ("3 weeks", "step 2"), often rightly implied."""
    return not (value.is_integer() and abs(value) <= 10)


def _used(written: str, value: float, task: str, used: Sequence[float]) -> bool:
    """``value`` (as written in ``task``) appears among the calculations' numbers, converted or as a
    growth factor when it is a percentage (15% as 1.15 or 0.85)."""
    if _matches(value, used, _SCALES):
        return True
    if not re.search(rf"(?<![\w.,]){re.escape(written)}\s*(?:%|percent)", task, re.IGNORECASE):
        return False
    return _matches(1 + value / 100, used, (1.0,)) or _matches(1 - value / 100, used, (1.0,))


def _matches(value: float, candidates: Iterable[float], scales: Sequence[float]) -> bool:
    return any(abs(value * s - c) <= 1e-9 * max(1.0, abs(c)) for c in candidates for s in scales)
