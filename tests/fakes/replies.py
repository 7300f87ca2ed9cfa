"""What a fake model server answers: a queue of scripted replies, rendered in each server's wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """A tool call the scripted model makes. ``arguments`` may be a raw string (even invalid JSON)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None


@dataclass
class Reply:
    """One scripted reply."""

    text: str = ""
    calls: list[Call] = field(default_factory=list)
    chunk: int = 4
    """Characters per streamed piece (text and tool-call arguments alike)."""
    status: int = 200
    error: str = ""
    """The error message sent with a status other than 200."""
    delay: float = 0.0
    """Seconds before anything is sent (a server that is slow to start)."""
    stall: float = 0.0
    """Seconds to hang after the first streamed piece (a server that stops mid-answer)."""
    chunk_delay: float = 0.0
    """Seconds between streamed pieces (a model generating slowly)."""
    prompt_tokens: int | None = 11
    completion_tokens: int | None = 7
    cached_tokens: int | None = None
    calls_in_one_chunk: bool = False
    """Send all tool calls, complete, in a single chunk (as some compatible servers do)."""
    stream_error: str = ""
    """An error event sent after the first piece (OpenAI's SSE ``{"error": ...}``)."""
    raw: str | None = None
    """A recorded response body, sent verbatim instead of rendering this reply."""
