"""The numeric grader: find the number in the answer and compare it within a tolerance."""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field

from ponder.evals.grading import GradeContext, Grader, GradeResult

# 1,234.5 (thousands separators) | -12 | 3.5 | .5 | 1e-3 ; a number glued to letters still counts ("42kg").
_NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")


def extract_numbers(text: str) -> list[float]:
    """Every number written in ``text``, in order ("1,234.5" is one number)."""
    found = []
    for match in _NUMBER.finditer(text.replace("**", " ")):
        raw = match.group().replace(",", "").replace("−", "-")
        try:
            found.append(float(raw))
        except ValueError:
            continue
    return found


def fmt(value: float) -> str:
    """7006652 rather than 7.00665e+06; 0.1 rather than 0.1000000001."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.10g}"


class NumericGrader(Grader):
    """A number in the answer equals the value (or ``expected``) within ``tolerance``.

    ``pick`` says which number counts when the answer has several: the ``last`` (where models
    state results), the ``first``, or ``any``.
    """

    kind = "numeric"
    shorthand = "value"
    value: float | None = None
    tolerance: float = Field(1e-6, ge=0, description="allowed absolute difference")
    relative: float | None = Field(None, ge=0, description="allowed relative difference (e.g. 0.01 for 1%)")
    pick: Literal["last", "first", "any"] = "last"

    def grade(self, ctx: GradeContext) -> GradeResult:
        want = self._target(ctx)
        numbers = extract_numbers(ctx.answer)
        if not numbers:
            return GradeResult.fail(f"no number in the answer (expected {fmt(want)})")
        candidates = {"last": numbers[-1:], "first": numbers[:1], "any": numbers}[self.pick]
        for got in candidates:
            if self._close(got, want):
                return GradeResult.ok(f"{fmt(got)} ≈ {fmt(want)}")
        shown = ", ".join(fmt(n) for n in candidates)
        return GradeResult.fail(f"expected {fmt(want)} (±{fmt(self._allowed(want))}), found {shown}")

    def _target(self, ctx: GradeContext) -> float:
        if self.value is not None:
            return self.value
        expected = ctx.expected
        if isinstance(expected, int | float) and not isinstance(expected, bool):
            return float(expected)
        numbers = extract_numbers(str(expected)) if expected is not None else []
        if len(numbers) != 1:
            raise ValueError(f"numeric: cannot read one number from expected={expected!r}; give 'value'")
        return numbers[0]

    def _allowed(self, want: float) -> float:
        return max(self.tolerance, (self.relative or 0.0) * abs(want))

    def _close(self, got: float, want: float) -> bool:
        return math.isclose(got, want, rel_tol=self.relative or 0.0, abs_tol=self.tolerance)


GRADERS = (NumericGrader,)
