"""The agents a server serves: each one built once from its ``AgentSpec``, named by one model id.

Every request runs on a fresh history through the same built agent (its backend, its tools),
so the embedded model is loaded once and remote clients are reused. A paused run carries its
spec as JSON; on resume the server finds the agent with the same fingerprint, or builds the
spec again if it no longer serves it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents.loop import LoopConfig
from ponder.agents.spec import AgentSpec
from ponder.serve.queue import Lane
from ponder.serve.settings import ServeSettings
from ponder.tools.approval import Approver

if TYPE_CHECKING:
    from ponder.agents.agent import Agent
    from ponder.backends.base import Backend
    from ponder.tools.base import Tool

LOCAL_LANE = "local"
"""The one lane every embedded-model agent shares: the model computes one reply at a time."""


@dataclass
class ServedAgent:
    id: str
    spec: AgentSpec
    agent: Agent
    lane: Lane
    created: int
    listed: bool = True
    """False for an agent built only to resume a paused run whose spec is no longer served."""

    def loop_config(
        self, *, cancel: Callable[[], bool], approve: Approver, system_extra: str | None, run_timeout: float, max_steps: int | None = None
    ) -> LoopConfig:
        """The agent's loop settings for one run: its cancel check and approver, the client's system text."""
        config = self.agent._config()  # the agent's own loop settings, as Agent.stream uses them
        system = config.system
        if system_extra:
            system = ChatMessage(role=MessageRole.SYSTEM, content=f"{system.content}\n\n{system_extra}")
        own = config.limits.run_timeout
        limits = config.limits.updated(
            run_timeout=run_timeout if own is None else min(own, run_timeout), max_steps=max_steps
        )
        return dataclasses.replace(config, system=system, limits=limits, cancel=cancel, approve=approve)


class ServedAgents:
    """The served agents by model id, their lanes, and agents rebuilt for paused runs."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self._by_id: dict[str, ServedAgent] = {}
        self._by_fingerprint: dict[str, ServedAgent] = {}
        self._lanes: dict[str, Lane] = {}
        self._building = threading.Lock()

    def add(
        self,
        spec: AgentSpec,
        *,
        model_id: str | None = None,
        backend: Backend | None = None,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        listed: bool = True,
    ) -> ServedAgent:
        """Build ``spec`` (with the live ``backend`` and ``tools`` given, like ``spec.build``) and serve it."""
        import time

        agent = spec.build(backend=backend, tools=tools)
        name = model_id or spec.name or spec.model or agent.backend.name
        if name in self._by_id:
            raise ValueError(f"two served agents are named {name!r}")
        served = ServedAgent(
            id=name, spec=spec, agent=agent, lane=self._lane_for(name, agent), created=int(time.time()), listed=listed
        )
        self._by_id[name] = served
        self._by_fingerprint.setdefault(spec.fingerprint, served)
        return served

    def get(self, model_id: str) -> ServedAgent | None:
        served = self._by_id.get(model_id)
        return served if served is not None and served.listed else None

    def for_spec(self, spec: AgentSpec, model_id: str) -> ServedAgent:
        """The agent a paused run was started on: the served one with its fingerprint, else built again."""
        with self._building:
            found = self._by_fingerprint.get(spec.fingerprint)
            if found is not None:
                return found
            hidden = f"{model_id}@{spec.fingerprint[:12]}"
            return self._by_id.get(hidden) or self.add(spec, model_id=hidden, listed=False)

    @property
    def listed(self) -> Sequence[ServedAgent]:
        return [s for s in self._by_id.values() if s.listed]

    @property
    def lanes(self) -> Sequence[Lane]:
        return list(self._lanes.values())

    def close(self) -> None:
        for served in self._by_id.values():
            served.agent.backend.close()

    def _lane_for(self, name: str, agent: Agent) -> Lane:
        local = agent.backend.provider == "local"
        key = LOCAL_LANE if local else name
        lane = self._lanes.get(key)
        if lane is None:
            width = 1 if local else self.settings.concurrency
            lane = self._lanes[key] = Lane(key, concurrency=width, queue_size=self.settings.queue_size)
        return lane
