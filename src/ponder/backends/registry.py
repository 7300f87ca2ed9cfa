"""Resolve ``provider:model`` strings to backends, importing each provider's SDK only when used.

Providers arrive through the ``ponder.backends`` entry-point group, as tools arrive through
``ponder.tools``: an entry point named ``acme`` whose object is a factory
``create(model: str, **options) -> Backend`` answers ``acme:<model>``. Ponder's own providers
register the same way (``BUILTIN_PROVIDERS`` are the lines in its pyproject.toml).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ponder.backends.base import Backend
from ponder.errors import ConfigError

GROUP = "ponder.backends"
BUILTIN_PROVIDERS: dict[str, str] = {
    "openai": "ponder.backends.openai.backend:create",
    "ollama": "ponder.backends.ollama:create",
    "local": "ponder.backends.local.backend:create",
    "scripted": "ponder.backends.scripted:create",
}
"""Ponder's own providers: ``[project.entry-points."ponder.backends"]`` in pyproject.toml.

Also used directly when Ponder runs from a source tree whose metadata lacks them."""

BackendFactory = Callable[..., Backend]


@lru_cache(maxsize=1)
def providers() -> dict[str, str]:
    """provider -> "module:factory": the built-ins, then plugins (a plugin cannot replace a built-in)."""
    from importlib.metadata import entry_points

    found = dict(BUILTIN_PROVIDERS)
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        found.setdefault(ep.name, ep.value)
    return found


def parse_spec(spec: str) -> tuple[str, str]:
    provider, sep, model = spec.partition(":")
    known = providers()
    if not sep or not provider:
        raise ConfigError(
            f"model '{spec}' is not of the form provider:model",
            fix=f"use one of {', '.join(p + ':<model>' for p in known)}, e.g. local:qwen2.5-coder-1.5b",
        )
    if provider not in known:
        raise ConfigError(f"unknown model provider '{provider}'", fix=f"use one of: {', '.join(known)}")
    return provider, model


def factory(provider: str) -> BackendFactory:
    target = providers()[provider]
    module, _, attr = target.partition(":")
    try:
        fn: BackendFactory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"the backend provider '{provider}' ({target}) cannot be loaded: {exc}",
            fix="reinstall the package that provides it, or choose another model",
        ) from exc
    return fn


def resolve_backend(spec: str | None = None, **options: Any) -> Backend:
    """``resolve_backend("ollama:qwen2.5")``; with no spec, the default chosen by ``ponder.backends.selection``."""
    if spec is None:
        from ponder.backends.selection import select_model

        spec = select_model().spec
    provider, model = parse_spec(spec)
    return factory(provider)(model, **options)
