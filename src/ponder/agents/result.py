"""What a run returns: the answer, the trajectory, usage, timings and why it stopped."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from ponder.errors import MistakeKind
from ponder.usage import Usage


class StopReason(StrEnum):
    ANSWER = "answer"
    """The model answered."""
    MAX_STEPS = "max_steps"
    TIMEOUT = "timeout"
    LOOP = "loop"
    """The model kept repeating the same tool call."""
    ERROR = "error"
    """The backend failed; ``RunResult.error`` says how."""
    CANCELLED = "cancelled"


class ToolCallRecord(BaseModel):
    step: int
    name: str
    arguments: dict[str, Any]
    output: str
    ok: bool
    error_kind: MistakeKind | None = None
    seconds: float = 0.0


class StepRecord(BaseModel):
    step: int
    text: str
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int | None = None
    completion_tokens: int = 0
    seconds: float = 0.0


class RunResult(BaseModel):
    task: str
    answer: str | None
    stop_reason: StopReason
    model: str
    protocol: str
    steps: int
    trajectory: list[ToolCallRecord] = Field(default_factory=list)
    step_records: list[StepRecord] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.stop_reason == StopReason.ANSWER

    def tool_calls(self, name: str | None = None) -> list[ToolCallRecord]:
        return [c for c in self.trajectory if name is None or c.name == name]
