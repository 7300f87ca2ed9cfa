"""The tool registry: every tool arrives through the ``ponder.tools`` entry-point group.

An entry point names one of:
- a ``Tool`` (a function decorated with ``@tool``),
- a list of Tools,
- a function taking no parameters, or only ``settings`` (the ``ToolSettings``: file roots,
  limits), that returns either: one package can build its tools from config;
- a plain typed, documented function with parameters: it becomes a tool as ``@tool`` would.

The built-ins register the same way (``BUILTIN_ENTRY_POINTS`` are the lines in Ponder's own
pyproject). A plugin that fails to import, raises, or returns something else is recorded as
a warning and skipped: a broken plugin never stops Ponder.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ponder.tools.base import Tool, as_tool

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from ponder.config import McpServerConfig, ToolkitConfig
    from ponder.tools.settings import ToolSettings

GROUP = "ponder.tools"
BUILTIN_SOURCE = "builtin"
PONDER_DIST = "ponder"

BUILTIN_ENTRY_POINTS: dict[str, str] = {
    "calculator": "ponder.tools.builtin.calculator:calculator",
    "web_search": "ponder.tools.builtin.web_search:web_search_tools",
    "fetch_url": "ponder.tools.builtin.fetch_url:fetch_url_tools",
    "files": "ponder.tools.builtin.files:file_tools",
    "python": "ponder.tools.builtin.python:python_tools",
    "shell": "ponder.tools.builtin.shell:shell_tools",
    "knowledge": "ponder.knowledge.tool:registered_tools",
}
"""Ponder's own entry points: ``[project.entry-points."ponder.tools"]`` in pyproject.toml.

Also used directly when Ponder runs from a source tree whose metadata lacks them."""


@dataclass
class Registry:
    """Every tool that could be given to an agent, by name, and what went wrong loading the rest."""

    tools: dict[str, Tool] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, tool: Tool, *, origin: str) -> None:
        existing = self.tools.get(tool.name)
        if existing is not None:
            self.warnings.append(
                f"{origin}: tool '{tool.name}' is already provided by {existing.source}; keeping that one"
            )
            return
        self.tools[tool.name] = tool


def load_registry(
    *,
    settings: ToolSettings | None = None,
    mcp_servers: Mapping[str, McpServerConfig] | None = None,
    toolkits: Mapping[str, ToolkitConfig] | None = None,
) -> Registry:
    """Built-ins, then installed plugins (by package name), then the tools of ``mcp_servers`` and ``toolkits``."""
    from ponder.tools.settings import ToolSettings

    settings = settings or ToolSettings.configured()
    registry = Registry()
    for ep, source in _entry_points():
        _load_entry_point(registry, ep, source, settings)
    if mcp_servers:
        add_mcp_tools(registry, servers=mcp_servers, settings=settings)
    if toolkits:
        add_toolkits(registry, toolkits=toolkits)
    return registry


TOOLKIT_PREFIX = "toolkit:"


def add_toolkits(registry: Registry, *, toolkits: Mapping[str, ToolkitConfig]) -> None:
    """The tools of every ``[toolkits.NAME]`` table (LlamaHub tool specs, LangChain tools), source ``toolkit:NAME``.

    A toolkit that cannot be built becomes a warning, as a plugin or an MCP server would.
    """
    from ponder.errors import PonderError
    from ponder.tools.references import load_reference

    for name, kit in toolkits.items():
        source = f"{TOOLKIT_PREFIX}{name}"
        try:
            tools = load_reference(
                kit.from_, args=kit.args, source=source, needs_approval=kit.needs_approval, opt_in=kit.opt_in, timeout=kit.timeout
            )
        except PonderError as exc:
            registry.warnings.append(f"toolkit '{name}' ({kit.from_}) failed to load: {exc.message}; fix: {exc.fix}")
            continue
        for tool in tools:
            registry.add(tool, origin=source)


def add_reference(registry: Registry, reference: str) -> None:
    """The tools a ``llamahub:...`` or ``langchain:...`` reference names, source the reference (errors raise)."""
    from ponder.tools.references import load_reference

    for tool in load_reference(reference):
        if registry.tools.get(tool.name) is not tool:
            registry.add(tool, origin=reference)


def add_mcp_tools(registry: Registry, *, servers: Mapping[str, McpServerConfig], settings: ToolSettings) -> None:
    """Connect to ``servers`` (once per process) and add their tools."""
    from ponder.tools.mcp import mcp_tools

    tools, warnings = mcp_tools(servers, timeout=settings.mcp_timeout)
    registry.warnings.extend(warnings)
    for tool in tools:
        if tool.name in registry.tools:  # keep both: the server's copy is renamed "<server>_<tool>"
            tool = replace(tool, name=f"{tool.source.removeprefix('mcp:')}_{tool.name}")
        registry.add(tool, origin=tool.source)


def available_tools(*, settings: ToolSettings | None = None) -> dict[str, Tool]:
    """Every tool by name (enabled or not); ``load_registry`` also gives the load warnings."""
    return load_registry(settings=settings).tools


# -- entry points ------------------------------------------------------------------------------
def _entry_points() -> list[tuple[EntryPoint, str]]:
    """(entry point, source) pairs: Ponder's own first, then plugins sorted by package."""
    from importlib.metadata import EntryPoint, entry_points

    seen: set[tuple[str, str]] = set()
    builtin: dict[str, EntryPoint] = {}
    plugins: list[tuple[EntryPoint, str]] = []
    for ep in entry_points(group=GROUP):
        dist = ep.dist.name if ep.dist is not None else ep.value.split(":")[0].split(".")[0]
        if (dist, ep.name) in seen:  # the same distribution found twice on sys.path
            continue
        seen.add((dist, ep.name))
        if _normalise(dist) == PONDER_DIST:
            builtin[ep.name] = ep
        else:
            plugins.append((ep, dist))
    for name, value in BUILTIN_ENTRY_POINTS.items():
        builtin.setdefault(name, EntryPoint(name=name, value=value, group=GROUP))
    ordered = [(ep, BUILTIN_SOURCE) for ep in builtin.values()]
    return ordered + sorted(plugins, key=lambda pair: (_normalise(pair[1]), pair[0].name))


def _normalise(dist: str) -> str:
    return dist.lower().replace("_", "-").replace(".", "-")


def _load_entry_point(registry: Registry, ep: EntryPoint, source: str, settings: ToolSettings) -> None:
    origin = f"plugin '{ep.name}' ({source}, {ep.value})"
    try:
        obj = ep.load()
        if not isinstance(obj, (Tool, list, tuple)) and callable(obj) and _is_factory(obj):
            obj = _call_factory(obj, settings)
        items = list(obj) if isinstance(obj, (list, tuple)) else [obj]
        tools = [_as_plugin_tool(item) for item in items]
    except Exception as exc:  # anything a third party can do wrong
        registry.warnings.append(f"{origin} failed to load: {type(exc).__name__}: {_first_line(exc)}")
        return
    for tool in tools:
        registry.add(replace(tool, source=source), origin=origin)


def _is_factory(fn: Any) -> bool:
    """A function taking nothing (or only ``settings``) builds tools; any other function is itself a tool."""
    return set(inspect.signature(fn).parameters) <= {"settings"}


def _call_factory(factory: Any, settings: ToolSettings) -> Any:
    params = inspect.signature(factory).parameters
    return factory(settings=settings) if "settings" in params else factory()


def _as_plugin_tool(item: Any) -> Tool:
    if isinstance(item, Tool):
        return item
    if callable(item) or hasattr(item, "metadata"):  # a function, or a LlamaIndex or LangChain tool
        return as_tool(item)
    raise TypeError(f"expected a Tool, a list of Tools or a function returning them, got {type(item).__name__}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def builtin_entry_point_lines() -> str:
    """The pyproject lines that register the built-ins (printed in docs and by the tests)."""
    lines = ['[project.entry-points."ponder.tools"]']
    lines += [f'{name} = "{value}"' for name, value in BUILTIN_ENTRY_POINTS.items()]
    return "\n".join(lines)
