"""A calculation left half done: the loop asks once for the rest of it.

Given a word problem with several steps and a calculator, a small model often computes the
first step with the tool and answers with that intermediate result ("35 × 48.20 = 1687: the
profit is 1687"), or works the remaining steps out in its head and writes a number no tool
produced. After the computing tool has run, ``unfinished_work`` compares the answer with the
task and the tools' results:

- numbers the task gives that no calculation used (beyond small counts like "3 weeks"), or
- numbers in the answer that neither the task nor any call or its result contains,

and the loop then asks once for the whole calculation with the tool. A model whose answer was
complete says so and answers again; that answer stands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ponder.agents.result import ToolCallRecord

_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])-?\d+(?:\.\d+)?(?![\w])")
_SCALES = (1.0, 10.0, 100.0, 1000.0, 0.1, 0.01, 0.001)
"""A given still counts as used when it was converted (3% as 0.03, 1.2 kg as 1200 g)."""


@dataclass(frozen=True)
class Unfinished:
    unused: tuple[str, ...]
    """Numbers the task gives that no calculation used."""
    unsupported: tuple[str, ...]
    """Numbers the answer gives that no tool result or the task contains."""

    def describe(self) -> str:
        parts = []
        if self.unused:
            parts.append(f"my question also gives {', '.join(self.unused)}, which no calculation used")
        if self.unsupported:
            parts.append(f"no tool result gave {', '.join(self.unsupported)}")
        return " and ".join(parts)


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


def unfinished_work(task: str, answer: str, trajectory: Sequence[ToolCallRecord], computing: str) -> Unfinished | None:
    """What is left to compute, when the ``computing`` tool ran in this task and the answer looks
    like it stopped short; else None."""
    computed = [r.arguments for r in trajectory if r.name == computing and r.ok]
    if not computed:
        return None
    unused = uncovered_givens(task, computed)
    said = [task] + [f"{json.dumps(r.arguments, default=str)} {r.output}" for r in trajectory if r.ok]
    known = [v for text in said for _, v in numbers_in(text)]  # a call's own numbers may be restated
    unsupported = _distinct(w for w, v in numbers_in(answer) if _worth_checking(v) and not _rounds_to(v, known))
    if not unused and not unsupported:
        return None
    return Unfinished(unused=unused, unsupported=unsupported)


def uncovered_givens(task: str, calls: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Before a step's calls run: the task's numbers they leave out, when they use some of them.

    A request for the same thing several times over ("the BMI of a 6 ft, 80 kg person and of a
    5.6 ft, 60 kg one") mostly gets one call from a small model, which then answers for the rest
    from its head. Calls that use none of the task's numbers are not judged: their task is not
    about those numbers.
    """
    used = [v for arguments in calls for _, v in numbers_in(json.dumps(arguments, ensure_ascii=False, default=str))]
    given = [(w, v) for w, v in numbers_in(task) if _worth_checking(v)]
    if not any(_used(w, v, task, used) for w, v in given):
        return ()
    return givens_left(task, calls)


def givens_left(task: str, calls: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The numbers ``task`` gives (beyond small counts) that none of the calls' arguments uses."""
    used = [v for arguments in calls for _, v in numbers_in(json.dumps(arguments, ensure_ascii=False, default=str))]
    return _distinct(w for w, v in numbers_in(task) if _worth_checking(v) and not _used(w, v, task, used))


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


def _rounds_to(value: float, known: Iterable[float]) -> bool:
    """``value`` is a known number as answers round it (to cents, to 0.5%), or as a percentage."""
    return any(abs(value - c) <= max(0.0051, 0.005 * abs(c)) for k in known for c in (k, k * 100))


def _distinct(written: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(written))[:4]
