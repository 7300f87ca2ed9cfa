"""Choose the tools an agent gets from names (``--tools`` or ``tools = [...]`` in ponder.toml).

With no names, an agent gets the default set: every tool that is not opt-in (the calculator,
plugins that do not ask to be opt-in, and the tools of configured MCP servers). Tools that
reach outside the process (``python``, ``shell``, ``fetch_url``, ``web_search``,
``read_file``, ``list_files``) are opt-in: they are given only when named.

A name is a tool's name, ``default`` (the default set), or ``mcp:<server>`` (every tool of
that MCP server). MCP servers are started only when the selection may need them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ponder.errors import ConfigError

if TYPE_CHECKING:
    from ponder.config import McpServerConfig
    from ponder.tools.base import Tool
    from ponder.tools.registry import Registry
    from ponder.tools.settings import ToolSettings

DEFAULT = "default"
DEFAULT_TOOLS = ("calculator",)
"""The built-ins in the default set (kept for callers that list it)."""


@dataclass
class ToolSelection:
    """The tools a list of names selects, and what went wrong loading plugins or MCP servers."""

    tools: list[Tool] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def select_tools(
    names: Sequence[str] | None,
    *,
    settings: ToolSettings | None = None,
    mcp_servers: Mapping[str, McpServerConfig] | None = None,
) -> list[Tool]:
    """Tools by name from the registry; None means the default safe set."""
    return resolve_tools(names, settings=settings, mcp_servers=mcp_servers).tools


def resolve_tools(
    names: Sequence[str] | None,
    *,
    settings: ToolSettings | None = None,
    mcp_servers: Mapping[str, McpServerConfig] | None = None,
) -> ToolSelection:
    """Like ``select_tools``, also returning the plugin and MCP warnings for the CLI to show."""
    from ponder.tools.registry import add_mcp_tools, load_registry
    from ponder.tools.settings import ToolSettings

    settings = settings or ToolSettings.configured()
    wanted = _clean(names)
    registry = load_registry(settings=settings)
    if mcp_servers and _may_need_mcp(wanted, registry):
        add_mcp_tools(registry, servers=mcp_servers, settings=settings)
    return ToolSelection(tools=pick(wanted, registry), warnings=list(registry.warnings))


def pick(wanted: list[str] | None, registry: Registry) -> list[Tool]:
    """The tools ``wanted`` names, in order, without duplicates; unknown names are a ConfigError."""
    chosen: dict[str, Tool] = {}
    unknown: list[str] = []
    for name in wanted if wanted is not None else [DEFAULT]:
        if name == DEFAULT:
            chosen.update((t.name, t) for t in registry.tools.values() if not t.opt_in)
        elif name.startswith("mcp:"):
            matches = [t for t in registry.tools.values() if t.source == name]
            if not matches:
                unknown.append(name)
            chosen.update((t.name, t) for t in matches)
        elif name in registry.tools:
            chosen[name] = registry.tools[name]
        else:
            unknown.append(name)
    if unknown:
        raise ConfigError(
            f"unknown tool(s): {', '.join(unknown)}",
            fix=f"choose from: {', '.join(sorted(registry.tools)) or '(none installed)'}; `ponder tools` lists them",
        )
    return list(chosen.values())


def enabled_names(wanted: Sequence[str] | None, registry: Registry) -> set[str]:
    """Names that ``wanted`` would enable; unknown names are ignored (for listings)."""
    known = [n for n in (_clean(wanted) or [DEFAULT]) if n in registry.tools or n == DEFAULT or n.startswith("mcp:")]
    try:
        return {t.name for t in pick(known, registry)}
    except ConfigError:  # an mcp:<server> that failed to start
        return {t.name for t in pick([n for n in known if not n.startswith("mcp:")], registry)}


def _clean(names: Sequence[str] | None) -> list[str] | None:
    if names is None:
        return None
    return [n.strip() for n in names if n.strip()]


def _may_need_mcp(wanted: list[str] | None, registry: Registry) -> bool:
    if wanted is None:
        return True
    return any(n == DEFAULT or n.startswith("mcp:") or n not in registry.tools for n in wanted)
