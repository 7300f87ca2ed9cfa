"""Choose the tools an agent gets from names (``--tools`` or ``tools = [...]`` in ponder.toml).

With no names, an agent gets the default set: every tool that is not opt-in (the calculator,
plugins that do not ask to be opt-in, and the tools of configured MCP servers). Tools that
reach outside the process (``python``, ``shell``, ``fetch_url``, ``web_search``,
``read_file``, ``list_files``) are opt-in: they are given only when named.

A name is a tool's name, ``default`` (the default set), ``mcp:<server>`` (every tool of
that MCP server), ``toolkit:<name>`` (every tool of a ``[toolkits.NAME]`` table), or a reference
``llamahub:package.module:ToolSpec`` / ``langchain:package.module:tool`` (every tool it names,
imported on the spot). MCP servers and toolkits are built only when the selection may need them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ponder.errors import ConfigError

if TYPE_CHECKING:
    from ponder.config import McpServerConfig, ToolkitConfig
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
    toolkits: Mapping[str, ToolkitConfig] | None = None,
) -> list[Tool]:
    """Tools by name from the registry; None means the default safe set."""
    return resolve_tools(names, settings=settings, mcp_servers=mcp_servers, toolkits=toolkits).tools


def resolve_tools(
    names: Sequence[str] | None,
    *,
    settings: ToolSettings | None = None,
    mcp_servers: Mapping[str, McpServerConfig] | None = None,
    toolkits: Mapping[str, ToolkitConfig] | None = None,
) -> ToolSelection:
    """Like ``select_tools``, also returning the plugin, MCP and toolkit warnings for the CLI to show.

    ``llamahub:...`` and ``langchain:...`` references among ``names`` are imported here; one that
    cannot be raises (it was asked for by name), while a configured toolkit that fails is a warning.
    """
    from ponder.tools.references import is_reference
    from ponder.tools.registry import add_mcp_tools, add_reference, add_toolkits, load_registry
    from ponder.tools.settings import ToolSettings

    settings = settings or ToolSettings.configured()
    wanted = _clean(names)
    registry = load_registry(settings=settings)
    if (mcp_servers or toolkits) and _may_need_mcp(wanted, registry):
        if mcp_servers:
            add_mcp_tools(registry, servers=mcp_servers, settings=settings)
        if toolkits:
            add_toolkits(registry, toolkits=toolkits)
    for name in wanted or []:
        if is_reference(name):
            add_reference(registry, name)
    return ToolSelection(tools=pick(wanted, registry), warnings=list(registry.warnings))


SOURCE_PREFIXES = ("mcp:", "toolkit:", "llamahub:", "langchain:")
"""A name with one of these prefixes selects every tool from that source."""


def pick(wanted: list[str] | None, registry: Registry) -> list[Tool]:
    """The tools ``wanted`` names, in order, without duplicates; unknown names are a ConfigError."""
    chosen: dict[str, Tool] = {}
    unknown: list[str] = []
    for name in wanted if wanted is not None else [DEFAULT]:
        if name == DEFAULT:
            chosen.update((t.name, t) for t in registry.tools.values() if not t.opt_in)
        elif name.startswith(SOURCE_PREFIXES):
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
    sources = {t.source for t in registry.tools.values()}
    # an mcp:<server> that failed to start, or a toolkit that failed to load, enables nothing
    known = [n for n in (_clean(wanted) or [DEFAULT]) if n in registry.tools or n == DEFAULT or n in sources]
    return {t.name for t in pick(known, registry)}


def _clean(names: Sequence[str] | None) -> list[str] | None:
    if names is None:
        return None
    return [n.strip() for n in names if n.strip()]


def _may_need_mcp(wanted: list[str] | None, registry: Registry) -> bool:
    if wanted is None:
        return True
    return any(n == DEFAULT or n.startswith(("mcp:", "toolkit:")) or n not in registry.tools for n in wanted)
