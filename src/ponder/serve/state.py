"""What every route of one server shares: its settings, agents, runs and metrics."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ponder.serve import errors
from ponder.serve.metrics import Metrics
from ponder.serve.runs import RunManager
from ponder.serve.served import ServedAgent, ServedAgents
from ponder.serve.settings import ServeSettings


@dataclass
class ServeState:
    settings: ServeSettings
    agents: ServedAgents
    runs: RunManager
    metrics: Metrics

    @classmethod
    def of(cls, request: Request) -> ServeState:
        state: ServeState = request.app.state.ponder
        return state

    def served(self, model: str) -> ServedAgent:
        """The agent served as ``model``, or the OpenAI-shaped 404."""
        found = self.agents.get(model)
        if found is None:
            raise errors.unknown_model(model, [s.id for s in self.agents.listed])
        return found
