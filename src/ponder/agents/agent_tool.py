"""Agents as tools: one agent hands a task to another, which runs with its own tools and limits.

``agent.as_tool(name=..., description=...)`` (or ``tools = ["agent:NAME"]`` in ``ponder.toml``)
gives the outer model a tool that takes one argument, the task in words. The inner run gets the
outer run's dependencies (``RunContext.deps``); its result comes back to the loop whole
(``tool_runner`` sees the ``RunResult``): the answer is the observation, the trajectory nests in
the call's record and the usage counts in the outer run's. A limit or a failure inside is an
observation for the outer model, never an exception.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ponder import prompts
from ponder.agents.result import RunResult, StopReason
from ponder.errors import ConfigError
from ponder.tools.base import Tool
from ponder.tools.context import RunContext

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.agents.spec import AgentSpec

MAX_DEPTH = 4
"""Agents calling agents deeper than this get an observation instead of a run (a cycle, most likely)."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_WHY = {
    StopReason.MAX_STEPS: "it reached its step limit",
    StopReason.TIMEOUT: "it ran out of time",
    StopReason.LOOP: "it kept repeating the same tool call",
    StopReason.ERROR: "it failed",
    StopReason.INVALID_OUTPUT: "its answer did not have the required form",
    StopReason.CANCELLED: "it was cancelled",
}


def agent_tool(
    agent: Agent | Callable[[], Agent], *, name: str, description: str, timeout: float | None = None
) -> Tool:
    """A tool that runs ``agent`` on the task the model gives it.

    ``agent`` may be a function that builds it: a named agent of ``ponder.toml`` is then built
    on its first call, not when the outer agent is. ``timeout`` defaults to the inner agent's run
    timeout plus its last attempt (its own limits bound it, not the outer tool timeout).
    """
    if not _NAME.match(name):
        raise ConfigError(
            f"'{name}' cannot name a tool", fix="use letters, digits, '_' or '-', starting with a letter"
        )
    get = _Lazy(agent)

    def run_agent(ctx: RunContext[Any], task: str) -> RunResult:
        """Hand a task to another agent.

        Args:
            task: the task for the agent, in words, with everything it needs to know
        """
        if ctx.depth >= MAX_DEPTH:
            return _refused(task, name, f"agents are nested {MAX_DEPTH} deep already")
        return get().run_nested(task, ctx)

    tool = Tool.from_function(run_agent, name=name, description=description, source="agent")
    tool.timeout = timeout if timeout is not None else _timeout_for(get.spec())
    return tool


def observation_of(name: str, result: RunResult) -> str:
    """What the outer model reads about an inner run: its answer, or why it stopped."""
    if result.stop_reason == StopReason.ANSWER and result.answer:
        return result.answer
    reason = _WHY.get(result.stop_reason, result.stop_reason.value)
    if result.stop_reason == StopReason.ERROR and result.error:
        reason = f"{reason}: {result.error}"
    last = f" Its last answer was: {result.answer}" if result.answer else ""
    return prompts.render("agent_stopped", None, name=name, reason=reason, last_words=last)


def named_agent_tool(name: str) -> Tool:
    """``agent:NAME`` of ``ponder.toml``: the ``[agents.NAME]`` agent, built when first called."""
    from ponder.agents.spec import AgentSpec

    spec = AgentSpec.from_config(name=name)  # a missing agent is a ConfigError now, not at the call
    tools = ", ".join(spec.tools) if spec.tools else "its default tools"
    description = spec.description or f"Ask the {name} agent to do a task (it uses {tools}) and get its answer."
    return agent_tool(spec.build, name=name, description=description, timeout=_timeout_for(spec))


def _timeout_for(spec: AgentSpec | None) -> float:
    run = spec.limits.run_timeout if spec is not None else None
    if run is None:
        return 24 * 3600.0
    return run + max(10.0, run * 0.25) + 30.0  # the inner loop's own last attempt, and some slack


def _refused(task: str, name: str, why: str) -> RunResult:
    return RunResult(
        task=task, answer=None, stop_reason=StopReason.ERROR, model="", protocol="", steps=0, error=f"{name} was not run: {why}"
    )


class _Lazy:
    """An agent, or the function that builds it once (thread-safe)."""

    def __init__(self, agent: Agent | Callable[[], Agent]) -> None:
        from ponder.agents.agent import Agent

        self._agent: Agent | None = agent if isinstance(agent, Agent) else None
        self._build = None if isinstance(agent, Agent) else agent
        self._lock = threading.Lock()

    def __call__(self) -> Agent:
        with self._lock:
            if self._agent is None:
                assert self._build is not None
                self._agent = self._build()
            return self._agent

    def spec(self) -> AgentSpec | None:
        if self._agent is not None:
            return self._agent.spec
        owner = getattr(self._build, "__self__", None)  # a bound AgentSpec.build
        from ponder.agents.spec import AgentSpec

        return owner if isinstance(owner, AgentSpec) else None

