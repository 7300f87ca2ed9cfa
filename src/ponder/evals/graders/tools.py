"""Graders of what the agent did: a tool was called (with some arguments), the trajectory's shape."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ponder.agents.result import ToolCallRecord
from ponder.evals.graders.structured import is_subset
from ponder.evals.grading import GradeContext, Grader, GradeResult


class CallPattern(BaseModel):
    """A tool name and, optionally, a subset of its arguments that must match."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    arguments: dict[str, Any] | None = None

    def matches(self, call: ToolCallRecord) -> bool:
        return call.name == self.name and (self.arguments is None or is_subset(self.arguments, call.arguments))

    def __str__(self) -> str:
        return self.name if self.arguments is None else f"{self.name}({json.dumps(self.arguments)})"


def _calls(ctx: GradeContext, ok_only: bool) -> list[ToolCallRecord]:
    return [c for c in ctx.tool_calls if c.ok or not ok_only]


def _shown(calls: list[ToolCallRecord]) -> str:
    return ", ".join(f"{c.name}({json.dumps(c.arguments)[:60]})" for c in calls) or "no tool calls"


class ToolCalledGrader(Grader):
    """``name`` was called between ``min`` and ``max`` times with arguments containing ``arguments``."""

    kind = "tool_called"
    shorthand = "name"
    name: str
    arguments: dict[str, Any] | None = None
    min: int = Field(1, ge=0)
    max: int | None = Field(None, ge=0)
    ok_only: bool = Field(False, description="count only calls that ran without error")

    def label(self) -> str:
        return f"tool_called:{self.name}"

    def grade(self, ctx: GradeContext) -> GradeResult:
        pattern = CallPattern(name=self.name, arguments=self.arguments)
        calls = _calls(ctx, self.ok_only)
        count = sum(pattern.matches(c) for c in calls)
        too_few = count < self.min
        too_many = self.max is not None and count > self.max
        if not (too_few or too_many):
            return GradeResult.ok()
        want = f"{self.min}..{self.max}" if self.max is not None else f">= {self.min}"
        return GradeResult.fail(f"{pattern} called {count} times (want {want}); calls: {_shown(calls)}")


class TrajectoryGrader(Grader):
    """The sequence of tool calls has this shape.

    ``ordered``: exactly these calls in this order; ``any_order``: exactly these calls, order
    free; ``subsequence``: these calls in this order, others allowed in between.
    """

    kind = "trajectory"
    shorthand = "calls"
    calls: list[CallPattern | str]
    mode: Literal["ordered", "any_order", "subsequence"] = "subsequence"
    ok_only: bool = False

    def patterns(self) -> list[CallPattern]:
        return [c if isinstance(c, CallPattern) else CallPattern(name=c) for c in self.calls]

    def grade(self, ctx: GradeContext) -> GradeResult:
        want = self.patterns()
        calls = _calls(ctx, self.ok_only)
        if self.mode == "ordered":
            ok = len(want) == len(calls) and all(p.matches(c) for p, c in zip(want, calls, strict=True))
        elif self.mode == "any_order":
            ok = len(want) == len(calls) and _match_all(want, calls)
        else:
            it = iter(calls)
            ok = all(any(p.matches(c) for c in it) for p in want)
        if ok:
            return GradeResult.ok()
        expected = " -> ".join(str(p) for p in want)
        return GradeResult.fail(f"{self.mode} [{expected}] not satisfied by: {_shown(calls)}")


def _match_all(patterns: list[CallPattern], calls: list[ToolCallRecord]) -> bool:
    """A one-to-one assignment of calls to patterns exists (bipartite matching; tiny inputs)."""
    owner: dict[int, int] = {}

    def assign(p: int, seen: set[int]) -> bool:
        for c, call in enumerate(calls):
            if c in seen or not patterns[p].matches(call):
                continue
            seen.add(c)
            if c not in owner or assign(owner[c], seen):
                owner[c] = p
                return True
        return False

    return all(assign(p, set()) for p in range(len(patterns)))


GRADERS = (ToolCalledGrader, TrajectoryGrader)
