"""The json and schema graders: the answer is (or contains) JSON, optionally matching a schema or a value.

When the agent has an ``output_type``, both grade the validated value (``RunResult.output``)
instead of reading JSON out of the text.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from pydantic import ConfigDict, Field

from ponder.agents.output import MISSING, find_json, jsonable
from ponder.errors import MissingDependency
from ponder.evals.grading import GradeContext, Grader, GradeResult


def answer_value(ctx: GradeContext) -> Any:
    """What the structured graders grade: the run's validated answer when its agent has an
    ``output_type`` (as plain JSON), else the JSON found in the answer text (``MISSING`` if none)."""
    if ctx.result.output is not None:
        return jsonable(ctx.result.output)
    return find_json(ctx.answer)


def is_subset(want: Any, got: Any) -> bool:
    """``want`` is contained in ``got``: dict keys recursively, lists item by item, numbers by value."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and is_subset(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(is_subset(w, g) for w, g in zip(want, got, strict=True))
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    if isinstance(want, int | float) and isinstance(got, int | float):
        return float(want) == float(got)
    return bool(want == got)


class JsonGrader(Grader):
    """The answer holds JSON; with ``schema`` it must validate, with ``value`` it must equal it.

    ``subset: true`` accepts extra keys in the answer's objects.
    """

    kind = "json"
    shorthand = "value"
    json_schema: dict[str, Any] | None = Field(None, alias="schema", description="a JSON Schema the answer must satisfy")
    value: Any = None
    subset: bool = False

    model_config = ConfigDict(populate_by_name=True)

    def grade(self, ctx: GradeContext) -> GradeResult:
        data = answer_value(ctx)
        if data is MISSING:
            return GradeResult.fail("the answer holds no JSON")
        if self.json_schema is not None:
            problem = _schema_problem(data, self.json_schema)
            if problem:
                return GradeResult.fail(f"JSON does not match the schema: {problem}")
        want = self.value if self.value is not None else (ctx.expected if self.json_schema is None else None)
        if want is not None:
            if isinstance(want, str):
                with contextlib.suppress(ValueError):
                    want = json.loads(want)
            same = is_subset(want, data) if self.subset else is_subset(want, data) and is_subset(data, want)
            if not same:
                return GradeResult.fail(f"JSON {json.dumps(data)[:200]} != expected {json.dumps(want)[:200]}")
        return GradeResult.ok()


def _schema_problem(data: Any, schema: dict[str, Any]) -> str | None:
    try:
        import jsonschema
    except ImportError as exc:
        raise MissingDependency("the json grader's schema check needs jsonschema", fix="pip install jsonschema") from exc
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if not errors:
        return None
    first = errors[0]
    where = "/".join(str(p) for p in first.path) or "(root)"
    return f"{where}: {first.message}"


class SchemaGrader(Grader):
    """The answer validated against the agent's output type; with ``schema`` it must also satisfy that JSON Schema."""

    kind = "schema"
    json_schema: dict[str, Any] | None = Field(None, alias="schema", description="a JSON Schema the value must satisfy")

    model_config = ConfigDict(populate_by_name=True)

    def grade(self, ctx: GradeContext) -> GradeResult:
        if ctx.result.output_error is not None:
            return GradeResult.fail(f"the answer did not validate: {ctx.result.output_error}")
        data = answer_value(ctx)
        if data is MISSING:
            return GradeResult.fail("the run returned no typed answer and the answer holds no JSON")
        if self.json_schema is not None:
            problem = _schema_problem(data, self.json_schema)
            if problem:
                return GradeResult.fail(f"the value does not match the schema: {problem}")
        return GradeResult.ok()


GRADERS = (JsonGrader, SchemaGrader)
