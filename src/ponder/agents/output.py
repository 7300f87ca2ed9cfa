"""Typed answers: the type an agent's answer must have, its JSON Schema, and the check.

``OutputType.of`` accepts what ``Agent(output_type=...)`` and ``AgentSpec.output_type`` take: a
pydantic model, a dataclass, a ``TypedDict``, a scalar type or a list of them (anything
pydantic's ``TypeAdapter`` validates), a ``'module:Type'`` reference, or a JSON Schema (a mapping,
e.g. read from ``--output-schema schema.json``; its values stay plain JSON).

A schema whose root is not an object (``int``, ``list[Ticket]``) is sent to the model wrapped
as ``{"value": ...}``: OpenAI's structured outputs want an object at the root, and one shape
everywhere keeps the backends simple. ``check`` accepts the wrapped and the bare form.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ponder import prompts
from ponder.errors import ConfigError

_FENCE = re.compile(r"```(?:json)?\s*\n?(.*?)```", re.DOTALL)
MISSING: Any = object()
"""``find_json``'s answer when the text holds no JSON."""


@dataclass(frozen=True)
class OutputCheck:
    """The outcome of checking an answer: the validated value, or the problem (for the model)."""

    value: Any = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class OutputType:
    """The type of an agent's answer. Build one with ``OutputType.of``."""

    def __init__(self, *, schema: dict[str, Any], ref: str | dict[str, Any], name: str, adapter: TypeAdapter[Any] | None) -> None:
        self.schema = schema
        """The JSON Schema of the value."""
        self.ref = ref
        """What ``AgentSpec.output_type`` holds for it: ``'module:Type'``, or the JSON Schema itself."""
        self.name = name
        self._adapter = adapter
        self.wrapped = schema.get("type") != "object"
        """The model writes ``{"value": ...}`` (the root of the schema is not an object)."""

    # -- building ----------------------------------------------------------------------------
    @classmethod
    def of(cls, declared: Any) -> OutputType | None:
        """The output type ``declared`` names (None for None). Raises ``ConfigError`` with the fix."""
        if declared is None or isinstance(declared, OutputType):
            return declared
        if isinstance(declared, Mapping):
            return cls.from_json_schema(declared)
        if isinstance(declared, str):
            return cls.from_python(import_ref(declared), ref=declared)
        return cls.from_python(declared)

    @classmethod
    def from_python(cls, kind: Any, *, ref: str | None = None) -> OutputType:
        try:
            adapter: TypeAdapter[Any] = TypeAdapter(kind)
            schema = adapter.json_schema()
        except Exception as exc:  # PydanticSchemaGenerationError, or a type with no JSON Schema
            raise ConfigError(
                f"output_type {kind!r} is not a type Ponder can validate: {exc}",
                fix="use a pydantic model, a dataclass, a TypedDict, a scalar type or a list of them",
            ) from None
        name = getattr(kind, "__name__", None) or str(kind)
        return cls(schema=schema, ref=ref or _ref_of(kind) or schema, name=name, adapter=adapter)

    @classmethod
    def from_json_schema(cls, schema: Mapping[str, Any]) -> OutputType:
        import jsonschema

        plain = json.loads(json.dumps(schema))
        try:
            jsonschema.Draft202012Validator.check_schema(plain)
        except jsonschema.SchemaError as exc:
            raise ConfigError(f"the output schema is not a valid JSON Schema: {exc.message}", fix="fix the schema") from None
        return cls(schema=plain, ref=plain, name=str(plain.get("title") or "answer"), adapter=None)

    # -- what the model is given -------------------------------------------------------------
    @property
    def wire_schema(self) -> dict[str, Any]:
        """The schema of what the model writes (the value, wrapped when its root is not an object)."""
        if not self.wrapped:
            return self.schema
        inner = {k: v for k, v in self.schema.items() if k != "$defs"}
        wire: dict[str, Any] = {
            "type": "object",
            "properties": {"value": inner},
            "required": ["value"],
            "additionalProperties": False,
        }
        if "$defs" in self.schema:
            wire["$defs"] = self.schema["$defs"]
        return wire

    def instructions(self, prompts_dir: Path | None = None) -> str:
        """The system-prompt paragraph that tells the model the answer's form."""
        shown = json.dumps(_without_titles(self.wire_schema), ensure_ascii=False)
        return prompts.render("output_format", prompts_dir, schema=shown)

    # -- checking ------------------------------------------------------------------------------
    def check(self, text: str) -> OutputCheck:
        """The validated value of an answer, or what is wrong with it (in words for the model)."""
        data = find_json(text)
        if data is MISSING:
            if self._adapter is not None and self.schema.get("type") == "string" and text.strip():
                data = text.strip()
            else:
                return OutputCheck(problem="the answer is not JSON")
        if self.wrapped and isinstance(data, dict) and set(data) == {"value"}:
            data = data["value"]
        if self._adapter is not None:
            try:
                return OutputCheck(value=self._adapter.validate_python(data))
            except ValidationError as exc:
                return OutputCheck(problem=explain(exc))
        return self._check_schema(data)

    def dump(self, value: Any) -> Any:
        """``value`` as plain JSON data (what ``ponder run --output-schema`` prints)."""
        return jsonable(value)

    def _check_schema(self, data: Any) -> OutputCheck:
        import jsonschema

        errors = sorted(jsonschema.Draft202012Validator(self.schema).iter_errors(data), key=lambda e: list(e.path))
        if not errors:
            return OutputCheck(value=data)
        problems = [f"'{'.'.join(str(p) for p in e.path) or '(root)'}': {e.message}" for e in errors[:5]]
        return OutputCheck(problem="; ".join(problems))


def jsonable(value: Any) -> Any:
    """Plain JSON data for a validated value (models, dataclasses and enums included)."""
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value)


def explain(exc: ValidationError) -> str:
    """Pydantic's errors, in a line the model can act on."""
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        if err["type"] == "missing":
            problems.append(f"'{where}' is required")
        else:
            problems.append(f"'{where}': {err['msg']} (got {json.dumps(err.get('input'), default=str)[:80]})")
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


def find_json(text: str) -> Any:
    """The JSON value in a text: all of it, a fenced block, or the first object or array in it; else ``MISSING``.

    Control characters inside strings are accepted (a grammar may let a raw newline through).
    """
    decoder = json.JSONDecoder(strict=False)
    stripped = text.strip()
    for candidate in (stripped, *(m.group(1).strip() for m in _FENCE.finditer(text))):
        try:
            return decoder.decode(candidate)
        except ValueError:
            continue
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                return decoder.raw_decode(text, i)[0]
            except ValueError:
                continue
    return MISSING


def import_ref(ref: str) -> Any:
    """The object ``package.module:Name`` (or ``module:Outer.Inner``) names."""
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(
            f"output_type '{ref}' is not a 'module:Type' reference",
            fix="write it as package.module:ClassName, or give a JSON Schema",
        )
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"cannot import the output type '{ref}': {exc}",
            fix="check the module path, and that the module is importable (PYTHONPATH, an installed package)",
        ) from None
    return obj


def _ref_of(kind: Any) -> str | None:
    """``'module:Qualname'`` when importing it gives ``kind`` back (a class at module level of a module
    another process can import too: not ``__main__``)."""
    module, qualname = getattr(kind, "__module__", None), getattr(kind, "__qualname__", None)
    if not module or not qualname or "<" in qualname or module in ("builtins", "__main__"):
        return None
    try:
        return f"{module}:{qualname}" if import_ref(f"{module}:{qualname}") is kind else None
    except ConfigError:
        return None


def _without_titles(schema: Any) -> Any:
    """The schema without pydantic's ``title`` keys (tokens the model does not need)."""
    if isinstance(schema, dict):
        return {k: _without_titles(v) for k, v in schema.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_without_titles(v) for v in schema]
    return copy.copy(schema)
