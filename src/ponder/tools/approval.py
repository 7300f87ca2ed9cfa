"""Who approves a tool call that needs approval (``python``, ``shell``, or any tool declaring it).

``ponder run`` has no one to ask: it refuses unless ``--yes`` or the config's
``allow_tools_without_approval`` lists the tool (or its source, e.g. ``mcp:files``). The REPL
passes an ``ask`` callback that shows ``describe_call`` and answers "y", "n" or "always";
"always" approves that tool for the rest of the session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ponder.tools.base import Tool

Answer = Literal["y", "n", "always"]
_GENERIC_SOURCES = frozenset({"python", "json-schema", "builtin"})
"""Sources that name no package or server: an allow-list entry "python" means the tool, not every tool."""
Asker = Callable[[Tool, dict[str, Any]], Answer]
Approver = Callable[[Tool, dict[str, Any]], bool]
"""Answers whether a tool that needs approval may run with these arguments (the loop asks it)."""


@dataclass
class ApprovalPolicy:
    """An ``approve(tool, arguments) -> bool`` for the loop, with the state a session needs."""

    yes: bool = False
    allowed: frozenset[str] = frozenset()
    ask: Asker | None = None
    always: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    """Names of the tools refused so far: the CLI can tell the user how to allow them."""

    @classmethod
    def build(cls, *, yes: bool = False, allowed: Iterable[str] = (), ask: Asker | None = None) -> ApprovalPolicy:
        return cls(yes=yes, allowed=frozenset(allowed), ask=ask)

    def __call__(self, tool: Tool, arguments: dict[str, Any]) -> bool:
        if not tool.needs_approval or self.yes or self.preapproved(tool):
            return True
        answer: Answer = self.ask(tool, arguments) if self.ask is not None else "n"
        if answer == "always":
            self.always.add(tool.name)
            return True
        if answer != "y":
            self.refused.append(tool.name)
        return answer == "y"

    def preapproved(self, tool: Tool) -> bool:
        by_source = tool.source not in _GENERIC_SOURCES and tool.source in self.allowed
        return tool.name in self.allowed or by_source or "*" in self.allowed or tool.name in self.always


def describe_call(tool: Tool, arguments: dict[str, Any]) -> str:
    """What the user is asked to approve: the command or code in full, other arguments as JSON."""
    if set(arguments) == {"command"} or set(arguments) == {"code"}:
        (value,) = arguments.values()
        return f"{tool.name} wants to run:\n{value}"
    return f"{tool.name} wants to run with {json.dumps(arguments, ensure_ascii=False, default=str)}"


def refusal_hint(names: Iterable[str]) -> str:
    """A one-line fix for the user after ``ponder run`` refused tools."""
    unique = ", ".join(dict.fromkeys(names))
    return f"{unique} needed approval: pass --yes, or add them to allow_tools_without_approval in ponder.toml"
