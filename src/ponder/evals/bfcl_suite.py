"""BFCL's single-turn categories as eval suites: ``ponder eval bfcl:simple_python``, and the ``bfcl`` grader."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ponder.errors import InputError
from ponder.evals.bfcl import (
    CATEGORIES,
    BfclCase,
    calls_from_run,
    grade,
    load_cases,
    refused_calls,
    tools_for,
)
from ponder.evals.grading import GradeContext, GradedCase, Grader, GradeResult, register_grader

if TYPE_CHECKING:
    from ponder.evals.suite import Suite


def bfcl_suite(name: str) -> Suite:
    """``ponder eval bfcl:simple_python`` (or ``bfcl:simple_python,multiple``): one case per question.

    ``bfcl:simple_python,multiple:20`` takes the first 20 cases of each category. Each case
    brings its own tools and the ``bfcl`` grader; cases are tagged with their category so
    reports give accuracy per category.
    """
    from ponder.agents.limits import Limits
    from ponder.agents.spec import AgentSpec
    from ponder.evals.suite import Case, Suite

    listed, _, count = name.partition(":")
    if count and not count.isdigit():
        raise InputError(
            f"'{count}' in bfcl:{name} is not a number of cases",
            fix="write bfcl:<category>[,<category>...][:<first N cases>]",
        )
    limit = int(count) if count else None
    categories = [c.strip() for c in listed.split(",") if c.strip()]
    if not categories:
        raise InputError(
            "no BFCL category given", fix=f"use bfcl:<category>, one of: {', '.join(CATEGORIES)}"
        )
    cases = []
    for category in categories:
        for item in load_cases(category, limit=limit):
            tools, _ = tools_for(item)
            cases.append(
                Case(
                    id=item.id,
                    input=item.prompt,
                    expected=item.ground_truth,
                    tags=(category,),
                    graders=[BfclGrader()],
                    tools=tools,
                    metadata={"bfcl_category": category, "bfcl_functions": item.functions},
                )
            )
    return Suite(
        name=f"bfcl:{name}",
        cases=cases,
        agent=AgentSpec(tools=[], limits=Limits(max_steps=4, run_timeout=120.0)),
        source=f"bfcl:{name}",
    )


def case_of(case: GradedCase) -> BfclCase:
    """The BFCL case an eval case was made from (its answers are the eval case's ``expected``)."""
    try:
        category, functions = case.metadata["bfcl_category"], case.metadata["bfcl_functions"]
    except KeyError:
        raise InputError(
            f"case {case.id} is not a BFCL case",
            fix="use the bfcl grader only on suites loaded as bfcl:<category>",
        ) from None
    return BfclCase(
        id=case.id, category=category, messages=[], functions=functions, ground_truth=case.expected
    )


class BfclGrader(Grader):
    """BFCL's verdict on the calls that reached the case's tools (failure kind first in the reason)."""

    kind: ClassVar[str] = "bfcl"

    def grade(self, ctx: GradeContext) -> GradeResult:
        case = case_of(ctx.case)
        verdict = grade(calls_from_run(ctx.result, case), case, refused=refused_calls(ctx.result))
        reason = verdict.kind if not verdict.detail else f"{verdict.kind}: {verdict.detail}"
        return GradeResult(verdict.ok, reason=reason)


register_grader("bfcl", BfclGrader)
