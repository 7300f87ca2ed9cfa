"""Tool descriptions in fewer prompt tokens: one signature line per tool, one line per parameter.

A GGUF's chat template lists the tools by writing each one's OpenAI schema with ``tojson``. Half
of those tokens are JSON structure (``"type": "object", "properties": {``, a ``"description"`` key
per parameter), and on a CPU that reads about 20 prompt tokens/s a list of four tools costs
seconds on every new conversation. ``signature`` writes the same facts (name, description, each
parameter's type, enum, default, whether it is required, its description) as text the model
reads like a docstring, in about half the tokens. Calls are still written and parsed as JSON.
"""

from __future__ import annotations

import json
from typing import Any


TOOL_LISTINGS = ("signature", "json")


class ListedTool(dict[str, Any]):
    """A tool's OpenAI schema that a chat template's ``tojson`` writes as its signature instead."""


def signature(schema: dict[str, Any]) -> str:
    """``name(needed: type, optional: type = default, other?: type): description``, a line per parameter."""
    function = schema.get("function", schema)
    parameters = function.get("parameters") or {}
    properties: dict[str, Any] = parameters.get("properties") or {}
    required = set(parameters.get("required") or [])
    heads, lines = [], []
    for name, spec in properties.items():
        kind = type_name(spec)
        if name in required:
            heads.append(f"{name}: {kind}")
        elif "default" in spec:
            heads.append(f"{name}: {kind} = {json.dumps(spec['default'], ensure_ascii=False)}")
        else:
            heads.append(f"{name}?: {kind}")
        if spec.get("description"):
            lines.append(f"  {name}: {spec['description']}")
    text = f"{function['name']}({', '.join(heads)})"
    if function.get("description"):
        text += f": {function['description']}"
    return "\n".join([text, *lines])


def type_name(spec: dict[str, Any]) -> str:
    """A JSON-Schema fragment as a short type: ``integer``, ``array[string]``, ``"a" | "b"``."""
    if spec.get("enum"):
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in spec["enum"])
    if "anyOf" in spec or "oneOf" in spec:
        return " | ".join(type_name(s) for s in spec.get("anyOf") or spec.get("oneOf") or [])
    kind = spec.get("type", "any")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind in ("array", "tuple", "list") and isinstance(spec.get("items"), dict):
        return f"array[{type_name(spec['items'])}]"
    if kind in ("object", "dict") and spec.get("properties"):
        required = set(spec.get("required") or [])
        fields = ", ".join(
            f"{name}{'' if name in required else '?'}: {type_name(sub)}" for name, sub in spec["properties"].items()
        )
        return f"{{{fields}}}"
    return str(kind)


def listing_formatter(template: str, *, eos_token: str) -> Any:
    """llama-cpp-python's Jinja2 chat formatter for ``template``, with a ``tojson`` that writes a
    ``ListedTool`` as its signature and everything else (call arguments, plain schemas) as JSON."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    class ListingFormatter(Jinja2ChatFormatter):
        @staticmethod
        def tojson(
            x: Any,
            ensure_ascii: bool = False,
            indent: int | None = None,
            separators: tuple[str, str] | None = None,
            sort_keys: bool = False,
        ) -> str:
            if isinstance(x, ListedTool):
                return signature(x)
            return Jinja2ChatFormatter.tojson(x, ensure_ascii, indent, separators, sort_keys)

    return ListingFormatter(template=template, eos_token=eos_token, bos_token="", add_generation_prompt=True)
