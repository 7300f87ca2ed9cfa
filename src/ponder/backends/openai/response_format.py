"""Typed answers over OpenAI-compatible servers: ``response_format``, in the dialect the server speaks.

- ``json_schema``: OpenAI's structured outputs, ``strict`` when the schema can be made strict
  (every property required, optional ones nullable, no extra keys). Tool calls still work.
- ``json_object`` with a ``schema``: llama.cpp's server (llama-cpp-python) and Anyscale's dialect.
  It constrains the whole reply, tool calls written as text included, so it is sent only on
  requests that offer no tools (the loop asks for the answer alone after an invalid one).
- ``none``: nothing is sent; the loop validates the answer and asks again once.

A server that refuses a dialect (an HTTP error naming ``response_format``: OpenAI answers 400,
FastAPI servers 422, llama-cpp-python's 500 with its validation error) is asked again in the
next one, and the backend remembers it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DIALECTS = ("json_schema", "json_object", "none")
SCHEMA_NAME = "answer"


def response_format(schema: Mapping[str, Any], dialect: str, *, with_tools: bool) -> dict[str, Any] | None:
    """The ``response_format`` for ``schema`` in ``dialect`` (None: send none)."""
    if dialect == "json_schema":
        strict = strict_schema(schema)
        return {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": strict or dict(schema), "strict": strict is not None},
        }
    if dialect == "json_object" and not with_tools:
        return {"type": "json_object", "schema": dict(schema)}
    return None


def next_dialect(dialect: str) -> str:
    return DIALECTS[min(DIALECTS.index(dialect) + 1, len(DIALECTS) - 1)]


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """``schema`` as OpenAI's strict mode wants it, or None when it cannot say the same thing.

    Strict mode requires every property and forbids extra keys: an optional property becomes
    required but nullable, which says the same only if it was nullable already (pydantic's
    ``x: T | None = None``). Free-form maps (``dict[str, T]``) cannot be strict. ``default`` goes.
    """
    out = copy.deepcopy(dict(schema))
    return out if _make_strict(out) else None


def _make_strict(node: Any) -> bool:
    """Make one schema node strict in place; False when it cannot be."""
    if not isinstance(node, dict):
        return True
    node.pop("default", None)
    props: dict[str, Any] = node.get("properties", {})
    if node.get("type") == "object" or props:
        if node.get("additionalProperties") not in (None, False):
            return False
        required = set(node.get("required", []))
        if any(name not in required and not _nullable(spec) for name, spec in props.items()):
            return False
        node["additionalProperties"] = False
        node["required"] = list(props)
    children: list[Any] = [*props.values(), *node.get("$defs", {}).values(), node.get("items")]
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        children.extend(node.get(key, []))
    return all(_make_strict(child) for child in children)


def _nullable(spec: Any) -> bool:
    if not isinstance(spec, dict):
        return False
    kind = spec.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_nullable(option) for option in spec.get("anyOf", []))


def refuses_response_format(exc: BaseException) -> bool:
    """Did the server refuse the ``response_format`` it was sent (HTTP 400, 422 or 500 naming it)?"""
    import openai

    from ponder.backends.openai.errors import server_message
    from ponder.errors import BackendError

    cause = exc.__cause__ if isinstance(exc, BackendError) else exc
    if not isinstance(cause, openai.APIStatusError) or cause.status_code not in (400, 422, 500):
        return False
    text = server_message(cause).lower()
    return "response_format" in text or "json_schema" in text
