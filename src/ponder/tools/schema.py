"""JSON Schema <-> pydantic models for tool arguments.

Tools validate their arguments with pydantic before they run. A tool written in Python gets
its model from its signature; a tool described by a JSON-Schema function description (an
OpenAI/BFCL function list) gets one built here, so both validate the same way.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

# Lax enough to repair near-miss calls from small models ("5" -> 5, 5 -> 5.0, 5 -> "5"),
# strict enough to refuse unknown parameters.
ARGS_CONFIG = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

_SIMPLE_TYPES: dict[str, Any] = {
    "string": str,
    "str": str,
    "integer": int,
    "int": int,
    "number": float,
    "float": float,
    "boolean": bool,
    "bool": bool,
    "any": Any,
    "null": type(None),
}


def python_type(schema: dict[str, Any]) -> Any:
    """The Python type that validates values of a JSON-Schema fragment (BFCL's type names too)."""
    if "enum" in schema and schema["enum"]:
        return Literal.__getitem__(tuple(schema["enum"]))
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        types = tuple(python_type({**schema, "type": k}) for k in kind)
        return types[0] if len(types) == 1 else _union(types)
    if kind in ("array", "tuple", "list"):
        items = schema.get("items")
        item_type = python_type(items) if isinstance(items, dict) else Any
        return list.__class_getitem__(item_type)
    if kind in ("object", "dict"):
        return dict[str, Any]
    return _SIMPLE_TYPES.get(str(kind), Any)


def _union(types: tuple[Any, ...]) -> Any:
    from functools import reduce
    from operator import or_

    return reduce(or_, types)


def model_from_json_schema(name: str, parameters: dict[str, Any]) -> type[BaseModel]:
    """Build an argument model from a JSON-Schema ``object`` with ``properties``."""
    properties: dict[str, Any] = parameters.get("properties") or {}
    required = set(parameters.get("required") or [])
    fields: dict[str, Any] = {}
    for index, (prop, spec) in enumerate(properties.items()):
        spec = spec if isinstance(spec, dict) else {}
        annotation = python_type(spec)
        description = spec.get("description")
        # Parameters named like '_from', 'class' or 'schema' cannot be pydantic field names:
        # they get a safe field name and keep their own name as the alias the model writes.
        field_name = prop if _usable_field_name(prop) else f"param_{index}"
        alias = None if field_name == prop else prop
        if prop in required:
            fields[field_name] = (annotation, Field(..., description=description, alias=alias))
        else:
            fields[field_name] = (annotation | None, Field(spec.get("default"), description=description, alias=alias))
    return create_model(_model_name(name), __config__=ARGS_CONFIG, **fields)


def _usable_field_name(name: str) -> bool:
    import keyword

    return name.isidentifier() and not name.startswith("_") and not keyword.iskeyword(name) and not hasattr(BaseModel, name)


def clean_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema without pydantic's noise (titles, ``$defs``): fewer tokens for the model to read."""
    return _strip_noise(inline_refs(model.model_json_schema()))


_NOISE = frozenset({"title", "additionalProperties"})


def _strip_noise(node: Any, *, names: bool = False) -> Any:
    """Drop noise keys; under ``properties`` the keys are parameter names (a parameter may be called ``title``)."""
    if isinstance(node, dict):
        return {
            k: _strip_noise(v, names=k == "properties" and not names)
            for k, v in node.items()
            if names or k not in _NOISE
        }
    if isinstance(node, list):
        return [_strip_noise(v) for v in node]
    return node


MAX_REF_DEPTH = 8


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every local ``$ref`` replaced by its definition and ``$defs`` dropped.

    Nested pydantic models (a LlamaIndex tool's ``JsonPatch`` of ``PatchOperation``s) arrive as
    references; small models, the compact listing and the call grammar all read a schema better
    when it is written out. A recursive definition is cut to ``{"type": "object"}`` below
    ``MAX_REF_DEPTH`` levels.
    """
    defs: dict[str, Any] = {**schema.get("definitions", {}), **schema.get("$defs", {})}

    def resolve(node: Any, depth: int) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                target = defs.get(ref.rsplit("/", 1)[-1])
                if target is None or depth >= MAX_REF_DEPTH:
                    return {"type": "object"}
                extra = {k: v for k, v in node.items() if k != "$ref"}
                return {**resolve(target, depth + 1), **resolve(extra, depth)}
            return {k: resolve(v, depth) for k, v in node.items() if k not in ("$defs", "definitions")}
        if isinstance(node, list):
            return [resolve(v, depth) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema, 0)
    return resolved


def model_from_pydantic(name: str, model: type[BaseModel]) -> type[BaseModel]:
    """A tool's own argument model, made to refuse unknown parameters and coerce near-misses as Ponder's do.

    The subclass keeps the model's fields, nested models and validators, so a LlamaIndex or
    LangChain tool's arguments are checked exactly as that tool declares them.
    """
    config = {**model.model_config, **ARGS_CONFIG}
    namespace = {"model_config": config, "__module__": model.__module__, "__doc__": model.__doc__}
    subclass: type[BaseModel] = type(_model_name(name), (model,), namespace)
    return subclass


MAX_ENUM_SHOWN = 12


def type_label(spec: dict[str, Any]) -> str:
    """A short label for a parameter's type: ``integer``, ``array[string]``, ``"c"|"f"``, ``number|string``,
    ``{min: number, max?: number}``."""
    if "enum" in spec:
        values = [json.dumps(v, ensure_ascii=False, default=str) for v in spec["enum"][:MAX_ENUM_SHOWN]]
        return "|".join(values) + ("|..." if len(spec["enum"]) > MAX_ENUM_SHOWN else "")
    kind = spec.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in kind if k != "null") or "any"
    if kind == "array" and isinstance(spec.get("items"), dict) and spec["items"]:
        return f"array[{type_label(spec['items'])}]"
    if kind == "object" and isinstance(spec.get("properties"), dict) and spec["properties"]:
        required = set(spec.get("required") or [])
        fields = (f"{name}{'' if name in required else '?'}: {type_label(sub)}" for name, sub in spec["properties"].items())
        return "{" + ", ".join(fields) + "}"
    if kind:
        return str(kind)
    options = [type_label(s) for s in spec.get("anyOf", []) if s.get("type") != "null"]
    return "|".join(options) or "any"


def _model_name(tool_name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in tool_name)
    return f"{cleaned}_args"
