"""The grader contract: a small pydantic model per kind with one ``grade(ctx) -> GradeResult``.

Graders are configuration (their fields come from the suite file, so each kind's model gives
validation and the published JSON Schema for free) plus one method. A kind registers itself by
name; other modules (the BFCL loader, a user's package) add kinds with ``register_grader``.

``GradeResult.passed`` is ``None`` when the grader could not decide (an LLM judge whose verdict
stayed unreadable): such a grade is *unscored*, counted neither as a pass nor as a failure.
A grader that raises is recorded as an error on its case by the runner, never fatal.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from ponder.agents.result import RunResult, ToolCallRecord
    from ponder.backends.base import Backend
    from ponder.usage import Usage

JudgeProvider = Callable[[str | None], "Backend"]
"""Returns the judge backend for a model spec (``None``: the run's own model or ``--judge-model``)."""

BUILTIN_MODULES = (
    "ponder.evals.graders.text",
    "ponder.evals.graders.numeric",
    "ponder.evals.graders.structured",
    "ponder.evals.graders.tools",
    "ponder.evals.graders.limits",
    "ponder.evals.graders.judge",
    "ponder.evals.graders.custom",
)


@dataclass(frozen=True)
class GradeResult:
    passed: bool | None
    """True or False; None means unscored (the grader could not tell)."""
    score: float | None = None
    """0..1; defaults to 1.0 or 0.0 from ``passed``."""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.score is None and self.passed is not None:
            object.__setattr__(self, "score", 1.0 if self.passed else 0.0)

    @classmethod
    def ok(cls, reason: str = "") -> GradeResult:
        return cls(True, reason=reason)

    @classmethod
    def fail(cls, reason: str) -> GradeResult:
        return cls(False, reason=reason)

    @classmethod
    def unscored(cls, reason: str) -> GradeResult:
        return cls(None, reason=reason)

    @classmethod
    def check(cls, condition: bool, failure: str, success: str = "") -> GradeResult:
        return cls(True, reason=success) if condition else cls(False, reason=failure)


class GradedCase(Protocol):
    """What a grader reads of a case (``ponder.evals.suite.Case``)."""

    id: str
    input: str
    expected: Any
    tags: tuple[str, ...]
    metadata: dict[str, Any]


@dataclass(frozen=True)
class GradeContext:
    """What a grader sees: the case, the run's result (answer, trajectory, usage, timings)."""

    case: GradedCase
    result: RunResult
    judge: JudgeProvider | None = None

    @property
    def answer(self) -> str:
        return self.result.answer or ""

    @property
    def expected(self) -> Any:
        return self.case.expected

    @property
    def seconds(self) -> float:
        return self.result.seconds

    @property
    def usage(self) -> Usage:
        return self.result.usage

    @property
    def tool_calls(self) -> list[ToolCallRecord]:
        """Calls the model made by name (unreadable calls, recorded with an empty name, left out)."""
        return [c for c in self.result.trajectory if c.name]


class Grader(BaseModel):
    """Base of every grader kind. Subclasses set ``kind`` and implement ``grade``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str] = ""
    shorthand: ClassVar[str | None] = None
    """The field a scalar fills in the suite file: ``- regex: '\\d+'`` sets ``pattern``."""

    def grade(self, ctx: GradeContext) -> GradeResult:
        raise NotImplementedError

    def label(self) -> str:
        """How this grader is named in reports."""
        return self.kind


_REGISTRY: dict[str, type[Grader]] = {}
_builtins_loaded = False


def register_grader(kind: str, cls: type[Grader]) -> type[Grader]:
    """Make ``kind`` usable in suite files and ``parse_grader``; returns ``cls`` (usable as a decorator body)."""
    if not (isinstance(cls, type) and issubclass(cls, Grader)):
        raise TypeError(f"grader kind {kind!r}: {cls!r} is not a subclass of ponder.evals.Grader")
    if not cls.kind:
        cls.kind = kind
    _REGISTRY[kind] = cls
    return cls


def builtin_graders() -> dict[str, type[Grader]]:
    """The kinds Ponder ships (the published JSON Schema lists exactly these)."""
    found: dict[str, type[Grader]] = {}
    for module in BUILTIN_MODULES:
        for cls in importlib.import_module(module).GRADERS:
            found[cls.kind] = cls
    return found


def grader_kinds() -> dict[str, type[Grader]]:
    global _builtins_loaded
    if not _builtins_loaded:
        for kind, cls in builtin_graders().items():
            _REGISTRY.setdefault(kind, cls)
        _builtins_loaded = True
    return dict(_REGISTRY)


class GraderSpecError(Exception):
    """A grader entry in a suite file is wrong; ``loc`` is the path inside the entry."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def parse_grader(entry: Any) -> Grader:
    """``exact`` / ``{exact: "391"}`` / ``{numeric: {tolerance: 0.5}}`` -> a grader instance."""
    if isinstance(entry, Grader):
        return entry
    if isinstance(entry, str):
        kind, options = entry, None
    elif isinstance(entry, dict) and len(entry) == 1:
        kind, options = next(iter(entry.items()))
    else:
        raise GraderSpecError((), "a grader is one kind with its options, e.g. '- contains: \"391\"'")
    kinds = grader_kinds()
    cls = kinds.get(str(kind))
    if cls is None:
        near = difflib.get_close_matches(str(kind), list(kinds), n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise GraderSpecError((), f"unknown grader '{kind}'{hint}; known: {', '.join(sorted(kinds))}")
    if options is None or options is True:
        options = {}
    elif not isinstance(options, dict):
        if cls.shorthand is None:
            raise GraderSpecError((kind,), f"grader '{kind}' takes a mapping of options, not {options!r}")
        options = {cls.shorthand: options}
    try:
        return cls.model_validate(options)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise GraderSpecError((kind, *err["loc"]), _explain(err)) from None


def _explain(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown option (remove it or check its spelling)"
    if err["type"] == "missing":
        return "this option is required"
    return f"{err['msg']} (got {err.get('input')!r})"
