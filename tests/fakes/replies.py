"""What a fake model server answers: a queue of scripted replies, rendered in each server's wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Fault = Literal["reset", "close", "hang", "cut", "invalid_json", "empty"]
"""Faults a reply can inject instead of a normal answer:
- ``reset``: the connection is reset (TCP RST) before any answer;
- ``close``: the connection is closed before any answer;
- ``hang``: the request is read and never answered;
- ``cut``: the stream sends its first pieces, then the connection is closed mid-answer;
- ``invalid_json``: HTTP 200 with a body (or stream line) that is not JSON;
- ``empty``: a well-formed answer with nothing in it (OpenAI: no choices; Ollama: no text, no call).
"""


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
    fault: Fault | None = None
    """A fault injected instead of (or, for ``cut``, in the middle of) this reply."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers (``Retry-After`` on a 429, say)."""
