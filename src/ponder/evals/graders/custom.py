"""Custom graders by import path: ``python: {function: "mypkg.checks:is_polite"}``.

The function receives the ``GradeContext`` (and any ``options`` as keyword arguments) and
returns a ``GradeResult``, a bool, a score in [0, 1] (passing at ``threshold``), or a
``(passed, reason)`` pair. Modules next to the suite file are importable.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pydantic import Field, field_validator

from ponder.evals.grading import GradeContext, Grader, GradeResult


def import_function(path: str) -> Callable[..., Any]:
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"'{path}' is not of the form package.module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name}: {exc}") from None
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ValueError(f"{module_name} has no attribute '{attr}'")
    if not callable(target):
        raise ValueError(f"{path} is not callable")
    return target


def as_grade(value: Any, threshold: float) -> GradeResult:
    if isinstance(value, GradeResult):
        return value
    if value is None:
        return GradeResult.unscored("the custom grader returned None")
    if isinstance(value, bool):
        return GradeResult(value)
    if isinstance(value, int | float):
        score = float(value)
        return GradeResult(score >= threshold, score=score, reason=f"score {score:g} (pass at {threshold:g})")
    if isinstance(value, tuple) and len(value) == 2:
        return GradeResult(bool(value[0]), reason=str(value[1]))
    raise TypeError(f"a custom grader returned {type(value).__name__}; return a GradeResult, bool, float or (bool, reason)")


class PythonGrader(Grader):
    """Calls your function with the grading context."""

    kind = "python"
    shorthand = "function"
    function: str = Field(description="package.module:function")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments passed to the function")
    threshold: float = Field(1.0, description="a numeric return value passes at this score or above")

    @field_validator("function")
    @classmethod
    def _importable(cls, value: str) -> str:
        import_function(value)  # fail at load time, with the suite file's line, not mid-run
        return value

    def label(self) -> str:
        return f"python:{self.function}"

    def grade(self, ctx: GradeContext) -> GradeResult:
        return as_grade(import_function(self.function)(ctx, **self.options), self.threshold)


GRADERS = (PythonGrader,)
