"""Ponder: an agent framework built on LlamaIndex.

The public names are re-exported lazily so that ``import ponder`` (and ``ponder --help``)
stays fast: LlamaIndex is imported only when an agent is built.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ponder._lazy import lazy_getattr

# A library configures no logging: Ponder logs under ``ponder.*``; the application (or the CLI) decides where lines go.
logging.getLogger(__name__).addHandler(logging.NullHandler())

_EXPORTS = {
    "Agent": "ponder.agents.agent",
    "AgentSpec": "ponder.agents.spec",
    "load_agent": "ponder.agents.spec",
    "LocalOptions": "ponder.agents.spec",
    "Limits": "ponder.agents.limits",
    "RunResult": "ponder.agents.result",
    "ToolCallRecord": "ponder.agents.result",
    "StopReason": "ponder.agents.result",
    "Usage": "ponder.usage",
    "Tool": "ponder.tools.base",
    "tool": "ponder.tools.base",
    "RunContext": "ponder.tools.context",
    "resolve_backend": "ponder.backends.registry",
    "evaluate": "ponder.evals.api",
    "load_suite": "ponder.evals.sources",
    "PonderError": "ponder.errors",
    "ConfigError": "ponder.errors",
    "BackendError": "ponder.errors",
    "InputError": "ponder.errors",
    "MistakeKind": "ponder.errors",
    "ExitCode": "ponder.errors",
    "Event": "ponder.agents.events",
    "RunStarted": "ponder.agents.events",
    "StepStarted": "ponder.agents.events",
    "TextDelta": "ponder.agents.events",
    "Thought": "ponder.agents.events",
    "ToolCallStarted": "ponder.agents.events",
    "ToolResult": "ponder.agents.events",
    "ModelMistakeEvent": "ponder.agents.events",
    "UsageEvent": "ponder.agents.events",
    "Answer": "ponder.agents.events",
    "ErrorEvent": "ponder.agents.events",
    "RunFinished": "ponder.agents.events",
}

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.agents.events import (
        Answer,
        ErrorEvent,
        Event,
        ModelMistakeEvent,
        RunFinished,
        RunStarted,
        StepStarted,
        TextDelta,
        Thought,
        ToolCallStarted,
        ToolResult,
        UsageEvent,
    )
    from ponder.agents.limits import Limits
    from ponder.agents.result import RunResult, StopReason, ToolCallRecord
    from ponder.agents.spec import AgentSpec, LocalOptions, load_agent
    from ponder.backends.registry import resolve_backend
    from ponder.errors import BackendError, ConfigError, ExitCode, InputError, MistakeKind, PonderError
    from ponder.evals.api import evaluate
    from ponder.evals.sources import load_suite
    from ponder.tools.base import Tool, tool
    from ponder.tools.context import RunContext
    from ponder.usage import Usage

__all__ = list(_EXPORTS)


_lazy = lazy_getattr(__name__, _EXPORTS)


def __getattr__(name: str) -> object:
    if name == "__version__":
        return version()
    return _lazy(name)


def version() -> str:
    """The installed distribution's version (pyproject.toml is the one place it is written)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("ponder")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
