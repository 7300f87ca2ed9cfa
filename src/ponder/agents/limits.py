"""The limits that keep a run bounded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_steps: int = 8
    """Model calls that may request tools; one more is made to answer when this is reached."""
    tool_timeout: float = 30.0
    """Seconds a single tool call may take (a tool's own ``timeout`` wins when set)."""
    run_timeout: float | None = 600.0
    """Seconds for the whole run, model calls included."""
    max_repeats: int = 1
    """Identical tool calls (same name and arguments) tolerated before the run stops as a loop."""
    max_tokens_per_step: int = 1024
    """Generation cap per model call (a runaway model cannot write forever)."""
