"""``RunContext``: what a tool may know about the run that calls it.

A tool declares it as its first parameter (``def lookup(ctx: RunContext[Db], sku: str)``) and
receives the run's id, the agent's spec and the dependencies passed to ``agent.run(task,
deps=...)`` (a database connection, a client, a user id). The parameter is not part of the
schema the model sees, and needs no line in the docstring.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, get_origin

if TYPE_CHECKING:
    from ponder.agents.spec import AgentSpec

DepsT = TypeVar("DepsT")


@dataclass(frozen=True)
class RunContext(Generic[DepsT]):
    """The run a tool call belongs to."""

    run_id: str
    """A fresh id per run (nested runs of agents used as tools get their own)."""
    deps: DepsT
    """What the caller passed to ``agent.run(task, deps=...)``; None when nothing was."""
    spec: AgentSpec | None = None
    """The declaration of the agent that is running (None outside an agent's run)."""
    task: str = ""
    depth: int = 0
    """0 for a run started by the caller, 1 for an agent called as a tool by it, and so on."""
    parent_run_id: str | None = None

    @classmethod
    def start(
        cls, *, deps: Any = None, spec: AgentSpec | None = None, task: str = "", parent: RunContext[Any] | None = None
    ) -> RunContext[Any]:
        """The context of a new run; ``parent`` is the run whose tool started it."""
        return RunContext(
            run_id=uuid.uuid4().hex[:16],
            deps=deps,
            spec=spec,
            task=task,
            depth=parent.depth + 1 if parent is not None else 0,
            parent_run_id=parent.run_id if parent is not None else None,
        )


def is_context_type(hint: Any) -> bool:
    """``RunContext`` or ``RunContext[Something]``."""
    return hint is RunContext or get_origin(hint) is RunContext
