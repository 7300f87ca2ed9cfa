"""Tools named by reference: ``llamahub:package.module:Name`` and ``langchain:package.module:name``.

In ``--tools``, ``tools = [...]`` and a ``[toolkits.NAME]`` table's ``from``, a reference imports
``Name`` and takes its tools: a tool spec class or a LangChain tool class is instantiated (with
``args`` from a ``[toolkits.NAME]`` table), a function is called to build them, an instance is
used as it is (``ponder.tools.interop`` converts them). Each reference is built once per process.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import threading
from collections.abc import Mapping
from typing import Any

from ponder.errors import ConfigError, MissingDependency, ToolDefinitionError
from ponder.tools.base import Tool
from ponder.tools.interop import tools_from

LLAMAHUB = "llamahub"
LANGCHAIN = "langchain"
REFERENCE_KINDS = (LLAMAHUB, LANGCHAIN)


def parse_reference(reference: str) -> tuple[str, str, str] | None:
    """``llamahub:pkg.module:Name`` -> (kind, module, attribute); None if ``reference`` is not one."""
    kind, sep, target = reference.partition(":")
    module, sep2, attribute = target.partition(":")
    if not sep or kind not in REFERENCE_KINDS or not sep2:
        return None
    return kind, module.strip(), attribute.strip()


def is_reference(name: str) -> bool:
    return parse_reference(name) is not None


_LOADED: dict[str, list[Tool]] = {}
_LOCK = threading.Lock()


def load_reference(
    reference: str,
    *,
    args: Mapping[str, Any] | None = None,
    source: str | None = None,
    needs_approval: bool = False,
    opt_in: bool = False,
    timeout: float | None = None,
) -> list[Tool]:
    """The tools that ``llamahub:pkg.module:Name`` or ``langchain:pkg.module:name`` names (built once per process)."""
    parsed = parse_reference(reference)
    if parsed is None or not parsed[1] or not parsed[2]:
        raise ConfigError(
            f"'{reference}' is not a tool reference",
            fix="write llamahub:package.module:ToolSpec or langchain:package.module:tool",
        )
    kind, module_name, attribute = parsed
    policy = {"needs_approval": needs_approval, "opt_in": opt_in, "timeout": timeout, "source": source or reference}
    key = json.dumps([reference, dict(args or {}), policy], sort_keys=True, default=str)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = _build(kind, module_name, attribute, dict(args or {}), policy, reference)
        return list(_LOADED[key])


def _build(
    kind: str, module_name: str, attribute: str, args: dict[str, Any], policy: dict[str, Any], reference: str
) -> list[Tool]:
    if kind == LANGCHAIN and importlib.util.find_spec("langchain_core") is None:
        raise MissingDependency("LangChain tools need langchain-core", fix="pip install 'ponder[langchain]'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise MissingDependency(
            f"{reference}: cannot import {module_name} ({exc})", fix=f"pip install {distribution_for(module_name)}"
        ) from None
    target = getattr(module, attribute, None)
    if target is None:
        raise ConfigError(f"{reference}: {module_name} has no '{attribute}'", fix=f"check the name after '{module_name}:'")
    try:
        built = _instantiate(target, args)
        tools = tools_from(built, **policy)
    except (ConfigError, ToolDefinitionError):
        raise
    except Exception as exc:  # a third party's constructor: say which and how
        raise ConfigError(
            f"{reference} failed to build its tools: {type(exc).__name__}: {exc}",
            fix="check its arguments (args = {...} in the [toolkits.NAME] table of ponder.toml)",
        ) from None
    if not tools:
        raise ConfigError(f"{reference} has no tools", fix="point at a tool spec, a toolkit or a tool")
    return tools


def _instantiate(target: Any, args: dict[str, Any]) -> Any:
    """A class is instantiated with ``args``; a plain function builds the tools; anything else is used as it is."""
    if isinstance(target, type) or inspect.isfunction(target):
        return target(**args)
    if args:
        raise ConfigError(
            f"{target!r} is already built and takes no arguments", fix="remove args, or point at its class or a factory"
        )
    return target


def distribution_for(module_name: str) -> str:
    """The package that usually provides a module: ``llama_index.tools.database`` -> ``llama-index-tools-database``."""
    parts = module_name.split(".")
    if parts[0] == "llama_index" and len(parts) >= 3:
        return "-".join(["llama-index", *(p.replace("_", "-") for p in parts[1:3])])
    return parts[0].replace("_", "-")
