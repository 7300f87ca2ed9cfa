"""Ponder: an agent framework built on LlamaIndex.

The public names are re-exported lazily so that ``import ponder`` (and ``ponder --help``)
stays fast: LlamaIndex is imported only when an agent is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder._lazy import lazy_getattr

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "ponder.agents.agent",
    "RunResult": "ponder.agents.result",
    "ToolCallRecord": "ponder.agents.result",
    "StopReason": "ponder.agents.result",
    "Limits": "ponder.agents.limits",
    "Tool": "ponder.tools.base",
    "tool": "ponder.tools.base",
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

__all__ = list(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
