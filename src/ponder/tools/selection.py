"""Choose the tools an agent gets from names (flags or config)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder.errors import ConfigError

if TYPE_CHECKING:
    from ponder.config import PonderConfig
    from ponder.tools.base import Tool

DEFAULT_TOOLS = ("calculator",)


def select_tools(names: list[str] | None, *, config: PonderConfig | None = None) -> list[Tool]:
    """Tools by name from the registry; None means the default safe set."""
    from ponder.tools.registry import available_tools

    registry = available_tools(config=config)
    wanted = [n.strip() for n in (names if names is not None else DEFAULT_TOOLS) if n.strip()]
    unknown = [n for n in wanted if n not in registry]
    if unknown:
        raise ConfigError(
            f"unknown tool(s): {', '.join(unknown)}",
            fix=f"choose from: {', '.join(sorted(registry)) or '(none installed)'}; `ponder tools` lists them",
        )
    return [registry[n] for n in wanted]
