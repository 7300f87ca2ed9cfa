"""Ponder: an agent framework built on LlamaIndex.

The public names are re-exported lazily so that ``import ponder`` (and ``ponder --help``)
stays fast: LlamaIndex is imported only when an agent is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder._lazy import lazy_getattr

_EXPORTS = {
    "Agent": "ponder.agents.agent",
    "RunResult": "ponder.agents.result",
    "ToolCallRecord": "ponder.agents.result",
    "StopReason": "ponder.agents.result",
    "Limits": "ponder.agents.limits",
    "Tool": "ponder.tools.base",
    "tool": "ponder.tools.base",
    "RunContext": "ponder.tools.context",
    "resolve_backend": "ponder.backends.registry",
    "PonderError": "ponder.errors",
}

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.agents.limits import Limits
    from ponder.agents.result import RunResult, StopReason, ToolCallRecord
    from ponder.backends.registry import resolve_backend
    from ponder.errors import PonderError
    from ponder.tools.base import Tool, tool
    from ponder.tools.context import RunContext

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
