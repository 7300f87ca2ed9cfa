"""The backend contract: one small interface over a LlamaIndex LLM.

A backend turns a request (messages, tools, stop sequences) into a stream of text deltas
followed by one ``ModelReply``. It states its capabilities so the loop can choose between
native tool calls and the text protocol. Backends know nothing of the loop, the CLI or evals.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ponder.usage import Usage

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage
    from llama_index.core.llms import LLM

    from ponder.tools.base import Tool


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do; the loop reads these to pick its action protocol."""

    native_tool_calls: bool
    """The API accepts tool schemas and tool-role messages (the model may still answer in text)."""
    streaming_with_tools: bool
    context_window: int
    tool_calls_as_text: bool = False
    """The model is known to write its calls as JSON in the text even with native tools."""


@dataclass(frozen=True)
class NativeToolCall:
    id: str
    name: str
    arguments: dict[str, Any] | str
    """Parsed arguments, or the raw string when the server sent invalid JSON."""


@dataclass
class ModelReply:
    text: str
    tool_calls: list[NativeToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"
    message: ChatMessage | None = None
    """The assistant message exactly as the backend wants it back in the history (native calls)."""


@dataclass(frozen=True)
class Deadline:
    """When a request must be over, on ``time.perf_counter()``'s clock, and what limit that is.

    The loop sets one from the run's time limit (``Limits.run_timeout``); backends cut their
    HTTP timeouts, retries and waits to ``remaining()`` and name ``limit`` when it passes.
    """

    at: float
    limit: str = "the run's time limit"
    """How messages name it, e.g. "the run's time limit of 30s (--timeout)"."""

    @classmethod
    def after(cls, seconds: float, limit: str = "") -> Deadline:
        return cls(at=time.perf_counter() + seconds, limit=limit or f"a time limit of {seconds:g}s")

    def remaining(self) -> float:
        return self.at - time.perf_counter()

    def expired(self) -> bool:
        return self.remaining() <= 0


@dataclass
class ModelRequest:
    messages: Sequence[ChatMessage]
    tools: Sequence[Tool] = ()
    """Tools to hand to the model natively (the backend describes them)."""
    call_tools: Sequence[Tool] = ()
    """Tools the prompt itself already describes (text protocol): a backend that constrains
    decoding uses them to keep a written call well formed, and describes nothing."""
    stop: Sequence[str] = ()
    max_tokens: int | None = None
    temperature: float = 0.0
    seed: int | None = None
    stop_when: Callable[[str], int | None] | None = None
    """Called with the text so far; an offset means 'stop here' (a complete action, or out of time)."""
    deadline: Deadline | None = None
    """When the answer must be complete: HTTP timeouts and retries never reach past it."""
    require_call: bool = False
    """The reply must be a tool call (OpenAI's ``tool_choice: required``). A backend that cannot
    enforce it ignores it; the loop still reads whatever comes back."""
    answer_schema: Mapping[str, Any] | None = None
    """The JSON Schema the answer (a reply that calls no tool) must match, for typed answers.
    A backend constrains the answer to it where it can (a grammar on ``local:``, ``response_format``
    on ``openai:``, ``format`` on ``ollama:``); the loop validates the answer either way."""
    answer_only: bool = False
    """The loop wants the answer now, not a call (the tools may still be listed in the prompt)."""


class Backend(ABC):
    """A model behind Ponder's interface. Subclasses hold a LlamaIndex ``LLM`` in ``llm``."""

    provider: str
    model: str
    capabilities: Capabilities

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"

    @property
    @abstractmethod
    def llm(self) -> LLM:
        """The LlamaIndex LLM this backend drives (also usable with stock LlamaIndex agents)."""

    @abstractmethod
    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        """Yield text deltas as they arrive, then exactly one ``ModelReply``.

        Closing the iterator early stops generation (the loop does this once it has a complete action).
        Raises ``BackendError`` subclasses for problems the user must fix.
        """

    def identity(self) -> dict[str, Any]:
        """What else decides this backend's replies besides its name and code: where it answers from
        (a server's URL) and options that change the prompt. Cache keys include it."""
        return {}

    def count_tokens(self, text: str) -> int:
        """Offline token estimate; backends with a real tokenizer override this."""
        return estimate_tokens(text)

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release resources (servers, loaded weights)."""


def estimate_tokens(text: str) -> int:
    """A bundled, network-free estimate: about 4 bytes a token for English and code."""
    return max(1, (len(text.encode("utf-8")) + 3) // 4) if text else 0


class TextGuard:
    """Applies a request's stop sequences and ``stop_when`` to streamed text, for any backend.

    ``feed`` returns the part of a delta to show and whether generation should stop; ``text``
    is the reply cut at the stop point. A server that ignores ``max_tokens`` cannot flood the
    run: the text is cut at ``MAX_CHARS_PER_TOKEN`` characters for every token asked for.
    Secrets (``ponder.redact``) never leave: what is shown and ``text`` are redacted, and a tail
    that may still grow into a secret is held back until it cannot.
    """

    MAX_CHARS_PER_TOKEN = 32

    def __init__(self, request: ModelRequest) -> None:
        from ponder.redact import Redactor

        self._raw = ""
        self._redactor = Redactor.from_env()
        self._redacted = ("", "")
        self._max_chars = request.max_tokens * self.MAX_CHARS_PER_TOKEN if request.max_tokens else None
        self._stops = [s for s in request.stop if s]
        self._longest = max((len(s) for s in self._stops), default=0)
        self._prefixes = {s[:i] for s in self._stops for i in range(1, len(s))}
        self._stop_when = request.stop_when
        self._shown = 0
        self.stopped = False

    @property
    def text(self) -> str:
        """The reply so far (cut at the stop point), secrets redacted."""
        if self._redacted[0] != self._raw:
            self._redacted = (self._raw, self._redactor.redact(self._raw))
        return self._redacted[1]

    def feed(self, delta: str) -> tuple[str, bool]:
        before = len(self._raw)
        self._raw += delta
        raw = self._raw
        cut: int | None = None
        if self._stops:
            window = max(0, before - self._longest)
            hits = [i for i in (raw.find(s, window) for s in self._stops) if i >= 0]
            if hits:
                cut = min(hits)
        if self._stop_when is not None:
            end = self._stop_when(raw if cut is None else raw[:cut])
            if end is not None:
                cut = end if cut is None else min(cut, end)
        if self._max_chars is not None and len(raw) > self._max_chars:
            cut = self._max_chars if cut is None else min(cut, self._max_chars)
        if cut is None:
            # Hold back a tail that may be the start of a stop sequence split across chunks, or of a secret.
            held = max(self._partial_stop_tail(), self._redactor.held_tail(raw))
            return self._release(len(raw) - held), False
        self._raw = raw[:cut]
        self.stopped = True
        return self._release(cut), True

    def flush(self) -> str:
        """The held-back tail, once the stream has ended without a stop."""
        return self._release(len(self._raw))

    def rest(self) -> Iterator[str]:
        """``yield from guard.rest()`` before the final reply: emits the held-back tail, if any."""
        tail = self.flush()
        if tail:
            yield tail

    def _release(self, upto: int) -> str:
        if upto <= self._shown:
            return ""
        piece, before = self._raw[self._shown : upto], self._raw[max(0, self._shown - 64) : self._shown]
        self._shown = upto
        return self._redactor.redact_piece(piece, before)

    def _partial_stop_tail(self) -> int:
        """Length of the longest tail of the text that begins a stop sequence (called on every delta)."""
        for size in range(min(self._longest - 1, len(self._raw)), 0, -1):
            if self._raw[-size:] in self._prefixes:
                return size
        return 0
