"""Tools: the contract (``Tool``, ``@tool``), the registry and the built-ins."""

from ponder.tools.base import Tool, as_tool, tool

__all__ = ["Tool", "as_tool", "tool"]
