"""Options shared by the subcommands that build an agent, and the ``AgentSpec`` they declare.

The flags are written over the agent of ``ponder.toml`` (``[agent]``, or ``[agents.NAME]`` with
``--agent NAME``); ``AgentSpec.build()`` then makes the agent, as it does everywhere else.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.agents.spec import AgentSpec
    from ponder.config import PonderConfig
    from ponder.runs import Source


def add_agent_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent", metavar="NAME", help="a named agent of ponder.toml ([agents.NAME]); flags override it")
    parser.add_argument("-m", "--model", help="provider:model, e.g. local:qwen2.5-coder-1.5b, openai:gpt-4o-mini, ollama:qwen2.5")
    parser.add_argument("--tools", help="comma-separated tool names to enable (default: config, else the safe built-ins)")
    parser.add_argument("--system", help="system prompt (overrides config)")
    parser.add_argument("--max-steps", type=int, help="maximum model steps that may call tools")
    parser.add_argument("--timeout", type=float, help="seconds for the whole run")
    parser.add_argument("--protocol", choices=["native", "text"], help="force the action protocol")
    parser.add_argument("-y", "--yes", action="store_true", help="approve tools that need approval without asking")


def agent_spec(args: argparse.Namespace, *, config: PonderConfig | None = None, quiet: bool = False) -> AgentSpec:
    """The agent the flags declare: the config's agent with the flags written over it.

    Says on stderr which model was chosen and why, unless ``--model`` chose it or ``quiet``.
    """
    from ponder.agents.spec import AgentSpec
    from ponder.backends.selection import select_model
    from ponder.config import load_config

    config = config if config is not None else load_config()
    spec = AgentSpec.from_config(config, getattr(args, "agent", None))
    choice = select_model(getattr(args, "model", None), spec.model, config.source or "config")
    if choice.reason != "--model" and not quiet:
        print(f"model: {choice.spec} ({choice.reason})", file=sys.stderr)
    tools = getattr(args, "tools", None)
    return spec.merged(
        model=choice.spec,
        tools=tools.split(",") if tools else None,
        system_prompt=getattr(args, "system", None),
        protocol=getattr(args, "protocol", None),
        limits={"max_steps": getattr(args, "max_steps", None), "run_timeout": getattr(args, "timeout", None)},
        approve_all=True if getattr(args, "yes", False) else None,
    )


def build_agent(
    args: argparse.Namespace, *, config: PonderConfig | None = None, quiet: bool = False, **changes: Any
) -> Agent:
    """``agent_spec(args).build()``, after assembling the embedded model with a progress bar if it is used.

    ``changes`` are spec fields a subcommand's own flags set (``ponder run --output-schema``).
    """
    spec = agent_spec(args, config=config, quiet=quiet).merged(**changes)
    if spec.model and spec.model.startswith("local:"):
        prepare_local_model(spec.model.partition(":")[2])
    return spec.build()


def record_runs(agent: Agent, *, source: Source, config: PonderConfig | None = None) -> None:
    """Give ``agent`` a recorder: each of its runs leaves a record under ``.ponder/runs/`` (``[runs]``)."""
    from pathlib import Path

    from ponder.config import load_config
    from ponder.runs import DEFAULT_RUNS_DIR, Retention, RunRecorder

    runs = (config if config is not None else load_config()).runs
    if not runs.record:
        return
    recorder = RunRecorder(
        Path(runs.dir) if runs.dir else DEFAULT_RUNS_DIR,
        source=source,
        spec_fingerprint=agent.spec.fingerprint,
        retention=Retention(keep=runs.keep, max_age_days=runs.max_age_days),
    )
    agent.observers.append(recorder)


def prepare_local_model(name: str) -> None:
    """Assemble the embedded model on first use, with a progress bar (later runs: a cheap check)."""
    from ponder.backends.local.files import resolve_model_path, rich_progress

    with rich_progress("Assembling the embedded model (first run only)") as progress:
        resolve_model_path(name, progress=progress)
