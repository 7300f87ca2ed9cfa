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
    INVALID_OUTPUT = "invalid_output"
    """The answer did not match the agent's ``output_type``, even when asked again;
    ``answer`` holds the raw text and ``output_error`` the problem."""


class ToolCallRecord(BaseModel):
    step: int
    name: str
    arguments: dict[str, Any]
    output: str
    ok: bool
    error_kind: MistakeKind | None = None
    seconds: float = 0.0
    inner: RunResult | None = None
    """The run of an agent used as a tool: its trajectory nests here, its usage counts in the outer run's."""


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
    output: Any = None
    """The answer validated against the agent's ``output_type`` (a model instance, a list...); None
    without one or when it did not validate (after a JSON round trip: its JSON form)."""
    output_error: str | None = None
    """Why the answer did not validate (stop reason ``invalid_output``)."""

    @property
    def ok(self) -> bool:
        return self.stop_reason == StopReason.ANSWER

    def tool_calls(self, name: str | None = None) -> list[ToolCallRecord]:
        return [c for c in self.trajectory if name is None or c.name == name]


ToolCallRecord.model_rebuild()
