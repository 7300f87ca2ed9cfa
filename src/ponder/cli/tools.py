"""``ponder tools``: every tool, where it comes from, its parameters, and whether it is enabled.

"Enabled" follows the same rules as ``ponder run``: ``--tools`` if given, else ``tools = [...]``
from ponder.toml, else the default set (every tool that is not opt-in). Plugins that failed
to load and MCP servers that failed to start are listed as warnings.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tools", help="comma-separated tool names: show what this selection would enable")
    parser.add_argument("--json", action="store_true", help="print the listing as JSON")
    parser.add_argument("--no-mcp", action="store_true", help="do not start the MCP servers from the config")


def handle(args: argparse.Namespace) -> int:
    from ponder.agents.spec import AgentSpec
    from ponder.config import load_config
    from ponder.errors import PonderError
    from ponder.tools.references import is_reference
    from ponder.tools.registry import add_reference, load_registry
    from ponder.tools.selection import enabled_names

    config = load_config()
    spec = AgentSpec.from_config(config)
    registry = load_registry(
        settings=spec.tool_settings(), mcp_servers=None if args.no_mcp else spec.mcp, toolkits=spec.toolkits
    )
    wanted = args.tools.split(",") if args.tools else spec.tools
    for name in wanted or []:
        if is_reference(name.strip()):
            try:
                add_reference(registry, name.strip())
            except PonderError as exc:
                registry.warnings.append(f"{exc.message}; fix: {exc.fix}")
    enabled = enabled_names(wanted, registry)
    rows = [
        {
            "name": tool.name,
            "enabled": tool.name in enabled,
            "source": tool.source,
            "signature": tool.signature(),
            "opt_in": tool.opt_in,
            "needs_approval": tool.needs_approval,
            "description": tool.description,
        }
        for tool in registry.tools.values()
    ]
    unknown = [n.strip() for n in (wanted or []) if _is_unknown(n.strip(), registry.tools)]
    if args.json:
        print(json.dumps({"tools": rows, "warnings": registry.warnings, "unknown": unknown}, indent=2))
        return 0
    _print_table(rows)
    why = "--tools" if args.tools else f"tools in {config.source}" if spec.tools is not None else "the default set"
    print(f"\nenabled by {why}. Opt-in tools are enabled by name: --tools default,python or tools = [...] in ponder.toml.")
    for name in unknown:
        print(f"warning: '{name}' is not a known tool")
    for warning in registry.warnings:
        print(f"warning: {warning}")
    return 0


def _is_unknown(name: str, tools: Mapping[str, object]) -> bool:
    from ponder.tools.selection import SOURCE_PREFIXES

    return bool(name) and name != "default" and not name.startswith(SOURCE_PREFIXES) and name not in tools


def _print_table(rows: list[dict[str, object]]) -> None:
    if not rows:
        print("(no tools installed)")
        return
    width = max(len(str(r["name"])) for r in rows)
    source_width = max(len(str(r["source"])) for r in rows)
    for r in rows:
        notes = [n for n, on in (("opt-in", r["opt_in"]), ("needs approval", r["needs_approval"])) if on]
        state = "on " if r["enabled"] else "off"
        note = f"  [{', '.join(notes)}]" if notes else ""
        print(f"{r['name']!s:<{width}}  {state}  {r['source']!s:<{source_width}}  {r['signature']}{note}")
