"""Resolve ``provider:model`` strings to backends, importing each provider's SDK only when used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ponder.backends.base import Backend
from ponder.errors import ConfigError

# provider -> "module:factory"; a factory takes the model part of the spec.
PROVIDERS: dict[str, str] = {
    "openai": "ponder.backends.openai_backend:create",
    "ollama": "ponder.backends.ollama_backend:create",
    "local": "ponder.backends.local:create",
    "scripted": "ponder.backends.scripted:create",
}


def parse_spec(spec: str) -> tuple[str, str]:
    provider, sep, model = spec.partition(":")
    if not sep or not provider:
        raise ConfigError(
            f"model '{spec}' is not of the form provider:model",
            fix=f"use one of {', '.join(p + ':<model>' for p in PROVIDERS)}, e.g. local:qwen2.5-coder-1.5b",
        )
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown model provider '{provider}'", fix=f"use one of: {', '.join(PROVIDERS)}")
    return provider, model


def factory(provider: str) -> Callable[..., Backend]:
    module, _, attr = PROVIDERS[provider].partition(":")
    fn: Callable[..., Backend] = getattr(importlib.import_module(module), attr)
    return fn


def resolve_backend(spec: str | None = None, **options: Any) -> Backend:
    """``resolve_backend("ollama:qwen2.5")``; with no spec, the default chosen by ``ponder.backends.selection``."""
    if spec is None:
        from ponder.backends.selection import select_model

        spec = select_model().spec
    provider, model = parse_spec(spec)
    return factory(provider)(model, **options)
