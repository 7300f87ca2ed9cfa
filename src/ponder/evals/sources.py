"""Where suites come from, and the knowledge bases they may name.

``ponder eval evals/smoke.yaml`` reads a file; ``ponder eval bfcl:simple_python`` asks the
loader registered for the ``bfcl`` prefix. Built-in prefixes are imported only when used;
other modules add theirs with ``register_suite_source``. A suite's ``knowledge`` names a
knowledge base; whoever owns knowledge bases registers a resolver that turns a name into tools.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.errors import InputError

if TYPE_CHECKING:
    from ponder.evals.suite import Suite
    from ponder.tools.base import Tool

SuiteLoader = Callable[[str], "Suite"]
KnowledgeResolver = Callable[[str], "list[Tool] | None"]

# prefix -> "module:function", imported on first use.
BUILTIN_SOURCES: dict[str, str] = {"bfcl": "ponder.evals.bfcl_suite:bfcl_suite"}
_SOURCES: dict[str, SuiteLoader] = {}
_KNOWLEDGE: list[KnowledgeResolver] = []


def register_suite_source(prefix: str, loader: SuiteLoader) -> None:
    """``loader(name) -> Suite`` answers ``ponder eval <prefix>:<name>``."""
    _SOURCES[prefix] = loader


def register_knowledge_resolver(resolver: KnowledgeResolver) -> None:
    """``resolver(name)`` returns the tools that search knowledge base ``name``, or None if it does not exist."""
    _KNOWLEDGE.append(resolver)


def knowledge_tools(name: str) -> list[Tool] | None:
    """The tools for knowledge base ``name``: registered resolvers first, then Ponder's own bases."""
    for resolver in reversed(_KNOWLEDGE):
        tools = resolver(name)
        if tools is not None:
            return tools
    return _indexed_base(name)


def _indexed_base(name: str) -> list[Tool] | None:
    """``search_<name>`` over a base built with ``ponder index``; None when there is no built index."""
    from ponder.errors import PonderError

    try:
        from ponder.knowledge import find_spec, knowledge_tools
        from ponder.knowledge.manifest import BASE_FILE
    except ImportError:
        return None
    try:
        spec = find_spec(name)
        if not (spec.index_dir / BASE_FILE).is_file():
            return None
        return knowledge_tools([name])
    except PonderError:
        return None


def load_suite(target: str, *, cwd: Path | None = None) -> Suite:
    """A suite from a file path, a ``prefix:name`` source, or a bare name found as ``evals/<name>.yaml``."""
    from ponder.evals.loading import load_suite_file

    base = cwd or Path.cwd()
    path = base / target
    if path.is_file():
        return load_suite_file(path)
    prefix, sep, name = target.partition(":")
    if sep and prefix in (_SOURCES.keys() | BUILTIN_SOURCES.keys()):
        return _loader(prefix)(name)
    for candidate in (base / "evals" / f"{target}.yaml", base / "evals" / f"{target}.yml"):
        if candidate.is_file():
            return load_suite_file(candidate)
    known = ", ".join(f"{p}:<name>" for p in sorted(_SOURCES.keys() | BUILTIN_SOURCES.keys()))
    raise InputError(f"no suite file or source '{target}'", fix=f"pass a suite YAML file (e.g. evals/smoke.yaml) or one of: {known}")


def _loader(prefix: str) -> SuiteLoader:
    if prefix in _SOURCES:
        return _SOURCES[prefix]
    module, _, attr = BUILTIN_SOURCES[prefix].partition(":")
    try:
        loader: SuiteLoader = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"suite source '{prefix}' is not available ({exc})", fix="check that Ponder is fully installed") from exc
    return loader
