"""The limits grader: the run stayed within a budget of steps, tool calls, tokens and seconds."""

from __future__ import annotations

from pydantic import Field

from ponder.evals.grading import GradeContext, Grader, GradeResult


class LimitsGrader(Grader):
    """Fails when the run used more than any budget given (unset budgets are not checked)."""

    kind = "limits"
    max_steps: int | None = Field(None, ge=0)
    max_tool_calls: int | None = Field(None, ge=0)
    max_tokens: int | None = Field(None, ge=0, description="prompt + completion tokens over the whole run")
    max_seconds: float | None = Field(None, gt=0)

    def grade(self, ctx: GradeContext) -> GradeResult:
        r = ctx.result
        used = {
            "steps": (r.steps, self.max_steps),
            "tool calls": (len(ctx.tool_calls), self.max_tool_calls),
            "tokens": (r.usage.total_tokens, self.max_tokens),
            "seconds": (round(r.seconds, 2), self.max_seconds),
        }
        over = [f"{what} {value} > {limit}" for what, (value, limit) in used.items() if limit is not None and value > limit]
        return GradeResult.check(not over, "; ".join(over))


GRADERS = (LimitsGrader,)
