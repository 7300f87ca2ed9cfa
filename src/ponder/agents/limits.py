"""The limits that keep a run bounded: one ``Limits``, for the API, ``ponder.toml``, suites and flags."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    """Bounds for one run. Every field has a default, so a table sets only what it changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int = Field(8, ge=1, description="model calls that may request tools; one more is made to answer")
    tool_timeout: float = Field(30.0, gt=0, description="seconds a tool call may take (a tool's own timeout wins)")
    run_timeout: float | None = Field(600.0, gt=0, description="seconds for the whole run, model calls included")
    max_repeats: int = Field(1, ge=0, description="identical tool calls tolerated before the run stops as a loop")
    max_tokens_per_step: int = Field(1024, ge=1, description="generation cap per model call")

    def updated(self, **changes: object) -> Limits:
        """A copy with ``changes`` applied where they are not None (flags that were not given)."""
        given = {k: v for k, v in changes.items() if v is not None}
        return self.model_validate({**self.model_dump(), **given}) if given else self
