"""Typed events: every run emits them; the REPL, ``ponder run``, traces and evals consume them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ponder.agents.result import RunResult, StopReason
from ponder.errors import MistakeKind


@dataclass(frozen=True)
class Event:
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = type(self).__name__
        return data


@dataclass(frozen=True)
class RunStarted(Event):
    task: str
    model: str
    protocol: str
    tools: tuple[str, ...]


@dataclass(frozen=True)
class StepStarted(Event):
    step: int


@dataclass(frozen=True)
class TextDelta(Event):
    step: int
    text: str


@dataclass(frozen=True)
class Thought(Event):
    step: int
    text: str


@dataclass(frozen=True)
class ToolCallStarted(Event):
    step: int
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult(Event):
    step: int
    call_id: str
    name: str
    output: str
    ok: bool
    error_kind: MistakeKind | None
    seconds: float
    inner: RunResult | None = None
    """The run of an agent used as a tool (its trajectory, usage and stop reason)."""

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "inner"}
        data["inner"] = self.inner.model_dump(mode="json") if self.inner is not None else None
        data["type"] = "ToolResult"
        return data


@dataclass(frozen=True)
class ModelMistakeEvent(Event):
    """The model wrote something unusable; the observation tells it how to fix that."""

    step: int
    kind: MistakeKind
    observation: str


@dataclass(frozen=True)
class UsageEvent(Event):
    step: int
    prompt_tokens: int
    completion_tokens: int
    prompt_tokens_evaluated: int | None


@dataclass(frozen=True)
class Answer(Event):
    text: str


@dataclass(frozen=True)
class ErrorEvent(Event):
    """The run failed for a reason the user must fix (backend down, bad credentials...)."""

    message: str
    fix: str


@dataclass(frozen=True)
class RunFinished(Event):
    result: RunResult
    stop_reason: StopReason

    def to_dict(self) -> dict[str, Any]:
        return {"type": "RunFinished", "stop_reason": self.stop_reason.value, "result": self.result.model_dump(mode="json")}
