"""Graders that read the answer as text: exact, contains, not_contains, regex."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from ponder.evals.grading import GradeContext, Grader, GradeResult


def _norm(text: str, ignore_case: bool) -> str:
    flat = " ".join(str(text).split())
    return flat.casefold() if ignore_case else flat


def _expected_text(ctx: GradeContext, value: str | None, kind: str) -> str:
    if value is not None:
        return value
    if ctx.expected is None:
        raise ValueError(f"{kind}: the case has no 'expected' and the grader gives no value")
    return str(ctx.expected)


def _preview(text: str, width: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class ExactGrader(Grader):
    """The answer equals the value (or the case's ``expected``), whitespace collapsed."""

    kind = "exact"
    shorthand = "value"
    value: str | None = None
    ignore_case: bool = False

    def grade(self, ctx: GradeContext) -> GradeResult:
        want = _expected_text(ctx, self.value, self.kind)
        same = _norm(ctx.answer, self.ignore_case) == _norm(want, self.ignore_case)
        return GradeResult.check(same, f"expected exactly {want!r}, got {_preview(ctx.answer)!r}")


class ContainsGrader(Grader):
    """The answer contains the value(s); ``mode: any`` needs just one of a list."""

    kind = "contains"
    shorthand = "value"
    value: str | list[str] | None = None
    mode: Literal["all", "any"] = "all"
    ignore_case: bool = True

    def grade(self, ctx: GradeContext) -> GradeResult:
        wanted = self.value if self.value is not None else _expected_text(ctx, None, self.kind)
        needles = [wanted] if isinstance(wanted, str) else list(wanted)
        hay = _norm(ctx.answer, self.ignore_case)
        missing = [n for n in needles if _norm(n, self.ignore_case) not in hay]
        found = len(needles) - len(missing)
        ok = found > 0 if self.mode == "any" else not missing
        return GradeResult.check(ok, f"answer lacks {missing!r}: {_preview(ctx.answer)!r}")


class NotContainsGrader(Grader):
    """The answer contains none of the values (e.g. a made-up result on an impossible task)."""

    kind = "not_contains"
    shorthand = "value"
    value: str | list[str]
    ignore_case: bool = True

    def grade(self, ctx: GradeContext) -> GradeResult:
        needles = [self.value] if isinstance(self.value, str) else list(self.value)
        hay = _norm(ctx.answer, self.ignore_case)
        present = [n for n in needles if _norm(n, self.ignore_case) in hay]
        return GradeResult.check(not present, f"answer contains {present!r}")


class RegexGrader(Grader):
    """The answer matches a regular expression (searched anywhere unless ``full``)."""

    kind = "regex"
    shorthand = "pattern"
    pattern: str | None = Field(None, description="a Python regular expression; default: the case's expected")
    ignore_case: bool = False
    full: bool = False

    def grade(self, ctx: GradeContext) -> GradeResult:
        pattern = _expected_text(ctx, self.pattern, self.kind)
        flags = re.IGNORECASE if self.ignore_case else 0
        match = re.fullmatch(pattern, ctx.answer.strip(), flags) if self.full else re.search(pattern, ctx.answer, flags)
        return GradeResult.check(match is not None, f"answer does not match /{_preview(pattern, 40)}/: {_preview(ctx.answer)!r}")


GRADERS = (ExactGrader, ContainsGrader, NotContainsGrader, RegexGrader)
