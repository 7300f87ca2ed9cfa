"""The Ollama backend: LlamaIndex's ``Ollama`` LLM over Ollama's ``/api/chat``, with native tool calls.

Imported only when an ``ollama:`` model is used (see ``ponder.backends.ollama``). Asks the server once,
on first use, what the model can do (``/api/show``): a model whose template has no tools gets
the text protocol instead of an HTTP 400, and the context window never exceeds the model's.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Generator, Iterator, Sequence
from typing import Any, cast

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock
from llama_index.llms.ollama import Ollama

from ponder.backends.base import (
    Backend,
    Capabilities,
    ModelReply,
    ModelRequest,
    NativeToolCall,
    TextGuard,
    Usage,
)
from ponder.backends.native import assistant_message, estimate_usage, parse_arguments
from ponder.backends.ollama.server import ollama_host
from ponder.backends.retry import (
    EmptyReply,
    Fault,
    RetryLog,
    RetryPolicy,
    StreamCut,
    check_url,
    connection_fault,
    deadline_error,
    retrying,
    status_fault,
)
from ponder.backends.transport import Attempt, DeadlineTransport
from ponder.errors import BackendError, BackendUnavailable, ConfigError, ModelNotFound
from ponder.redact import redact

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
DEFAULT_CONTEXT_WINDOW = 8192
"""Sent as ``num_ctx``: Ollama's own default is smaller, a model's full window can cost gigabytes."""
PROBE_TIMEOUT = 3.0


class PonderOllama(Ollama):
    """LlamaIndex's Ollama LLM that also sends ``tool_name`` with each tool result.

    LlamaIndex drops the tool's name from tool-role messages; Ollama's API takes it and chat
    templates use it to tell the results of several calls apart.
    """

    @classmethod
    def class_name(cls) -> str:
        return "PonderOllama"

    def _convert_to_ollama_messages(self, messages: Sequence[ChatMessage]) -> dict[Any, Any]:
        converted = cast(list[dict[str, Any]], super()._convert_to_ollama_messages(messages))
        for message, out in zip(messages, converted, strict=True):
            name = message.additional_kwargs.get("name")
            if message.role == MessageRole.TOOL and name:
                out["tool_name"] = str(name)
        return cast(dict[Any, Any], converted)


class OllamaBackend(Backend):
    provider = "ollama"

    def identity(self) -> dict[str, Any]:
        return {"url": self.host}

    def __init__(
        self,
        model: str,
        *,
        host: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        context_window: int | None = None,
        keep_alive: str | float | None = None,
        max_retries: int = 2,
    ) -> None:
        if not model:
            raise ConfigError(
                "ollama: needs a model name", fix="write it after the colon, e.g. ollama:qwen2.5"
            )
        self.model = model
        self.host = check_url(host or ollama_host(), "OLLAMA_HOST" if host is None else "host")
        self.timeout = timeout
        self._window_option = context_window
        self._capabilities: Capabilities | None = None
        self.retry_policy = RetryPolicy(retries=max_retries)
        self.retry_log = RetryLog()
        import ollama

        self._llm = PonderOllama(
            model=model,
            base_url=self.host,
            request_timeout=timeout,
            context_window=context_window or DEFAULT_CONTEXT_WINDOW,
            keep_alive=keep_alive,
            client=ollama.Client(host=self.host, timeout=timeout, transport=DeadlineTransport()),
        )

    @property
    def llm(self) -> PonderOllama:
        return self._llm

    @property
    def capabilities(self) -> Capabilities:
        """What the model can do, asked of the server on first use (assumes tools if it cannot tell)."""
        if self._capabilities is None:
            self._capabilities = self._probe()
        return self._capabilities

    @capabilities.setter
    def capabilities(self, value: Capabilities) -> None:
        self._capabilities = value

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        _ = self.capabilities  # probed once: sets the context window sent as num_ctx
        return retrying(
            lambda attempt: self._attempt(request, attempt),
            classify=self._classify,
            deadline=request.deadline,
            policy=self.retry_policy,
            log=self.retry_log,
        )

    def _attempt(self, request: ModelRequest, attempt: Attempt) -> Generator[str | ModelReply, None, None]:
        _ = self._llm.client  # created once, so the per-request copies share its connections
        llm = self._llm.model_copy(
            update={"additional_kwargs": {**self._llm.additional_kwargs, **_options(request)}}
        )
        tools = [t.openai_schema() for t in request.tools] or None
        extra: dict[str, Any] = {}
        if request.answer_schema is not None and tools is None:
            # Typed answers: Ollama constrains the whole reply to ``format``, so a call could not be
            # written; it is sent when no tools are offered (the loop asks for the answer alone).
            extra["format"] = dict(request.answer_schema)
        guard = TextGuard(request)
        last: ChatResponse | None = None
        chunks = llm.stream_chat(list(request.messages), tools=tools, **extra)
        try:
            for chunk in attempt.iterate(chunks):
                last = chunk
                if chunk.delta:
                    shown, done = guard.feed(chunk.delta)
                    if shown:
                        yield shown
                    if done:
                        break
        finally:
            chunks.close()  # on an early stop this closes the HTTP stream: Ollama stops generating
        if not guard.stopped:
            self._check_finished(last, guard)
        yield from guard.rest()
        yield self._reply(request, guard, None if guard.stopped else last)

    def _check_finished(self, last: ChatResponse | None, guard: TextGuard) -> None:
        """Ollama ends every answer with ``done: true``; one that did not was cut, one with nothing is empty."""
        raw: dict[str, Any] = dict(last.raw or {}) if last is not None else {}
        if not raw.get("done"):
            raise StreamCut(
                f"the stream from Ollama at {self.host} ended before Ollama said it was done "
                f"(after {len(guard.text)} characters)",
                fix="retry; check the Ollama server's log",
            )
        has_calls = last is not None and any(isinstance(b, ToolCallBlock) for b in last.message.blocks)
        if not guard.text and not has_calls:
            raise EmptyReply(
                f"Ollama model '{self.model}' sent an empty answer: no text and no tool call "
                f"(done reason '{raw.get('done_reason') or '?'}')",
                fix="check the model on the Ollama server (`ollama run` it once)"
                + ("; raise max_tokens_per_step" if raw.get("done_reason") == "length" else ""),
            )

    def close(self) -> None:
        client = self._llm._client
        if client is not None:
            client.close()

    # -- one request -------------------------------------------------------------------------
    def _reply(self, request: ModelRequest, guard: TextGuard, last: ChatResponse | None) -> ModelReply:
        blocks = [b for b in last.message.blocks if isinstance(b, ToolCallBlock)] if last else []
        # Ollama gives calls no ids; the loop needs one to pair each result with its call.
        calls = [
            NativeToolCall(
                id=f"call_{uuid.uuid4().hex[:12]}", name=b.tool_name, arguments=parse_arguments(b.tool_kwargs)
            )
            for b in blocks
        ]
        raw: dict[str, Any] = dict(last.raw or {}) if last else {}
        usage = estimate_usage(request.messages, request.tools, guard.text, calls)
        if raw.get("eval_count") is not None:
            # Ollama leaves prompt_eval_count out when the whole prompt came from its cache.
            usage = Usage(
                prompt_tokens=raw.get("prompt_eval_count") or usage.prompt_tokens,
                completion_tokens=raw["eval_count"],
            )
        finish = (
            "stop" if guard.stopped else ("tool_calls" if calls else str(raw.get("done_reason") or "stop"))
        )
        return ModelReply(
            text=guard.text,
            tool_calls=calls,
            usage=usage,
            finish_reason=finish,
            message=assistant_message(
                guard.text,
                calls,
                [dict(b.tool_kwargs) if isinstance(b.tool_kwargs, dict) else b.tool_kwargs for b in blocks],
            ),
        )

    def _probe(self) -> Capabilities:
        tools, trained = True, None
        info = self._show()
        if info is not None:
            if info.capabilities is not None:
                tools = "tools" in info.capabilities
            elif info.template:
                tools = ".Tools" in info.template
            trained = _context_length(info.modelinfo or {})
        window = self._window_option or min(DEFAULT_CONTEXT_WINDOW, trained or DEFAULT_CONTEXT_WINDOW)
        self._llm.context_window = window
        return Capabilities(native_tool_calls=tools, streaming_with_tools=tools, context_window=window)

    def _show(self) -> Any:
        import httpx
        import ollama

        try:
            with ollama.Client(host=self.host, timeout=min(self.timeout, PROBE_TIMEOUT)) as client:
                return client.show(self.model)
        except (ollama.ResponseError, httpx.HTTPError, ConnectionError, ValueError) as exc:
            log.debug("Ollama at %s could not describe %s (%s: %s); assuming it takes tools", self.host, self.model, type(exc).__name__, exc)
            return None  # not reachable or no such model: stream() says so, with the fix

    # -- errors ------------------------------------------------------------------------------
    def _classify(self, exc: BaseException, attempt: Attempt, produced: bool) -> Fault | None:
        """The fault behind an exception of the ``ollama`` client (or httpx under it); None for anything else."""
        import httpx
        import ollama

        where = f"Ollama at {self.host}"
        if attempt.expired():
            return Fault(deadline_error(where, attempt.deadline, "check the server at OLLAMA_HOST, or allow more time with --timeout"))
        if isinstance(exc, ollama.ResponseError):
            error = self._response_error(exc)
            if exc.status_code < 0:  # an error line in the middle of the stream
                return Fault(error, retryable=not produced)
            response = attempt.last_response
            return status_fault(exc.status_code, error, response.headers if response is not None else None)
        if isinstance(exc, httpx.TimeoutException):
            return Fault(
                BackendUnavailable(
                    f"Ollama at {self.host} did not answer within {self.timeout:g}s",
                    fix="check that the server at OLLAMA_HOST is not overloaded, or allow more time with timeout=",
                )
            )
        if isinstance(exc, (httpx.TransportError, ConnectionError)):
            if isinstance(exc, (httpx.ConnectError, ConnectionError)) and not isinstance(exc, ConnectionResetError):
                return Fault(
                    BackendUnavailable(
                        f"Ollama is not reachable at {self.host}",
                        fix="start it with `ollama serve`, or set OLLAMA_HOST to where it runs",
                    )
                )
            return connection_fault(exc, attempt, produced, where, fix="check that Ollama is running at OLLAMA_HOST")
        if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError, IndexError)):
            return Fault(self._unreadable(exc))
        return None

    def _response_error(self, exc: Any) -> BackendError:
        message = redact(str(exc.error))  # the server's words: may echo a key
        if exc.status_code == 404 or "not found" in message.lower():
            return ModelNotFound(f"Ollama at {self.host} has no model '{self.model}'", fix=f"ollama pull {self.model}")
        if "does not support tools" in message:
            return BackendError(
                f"Ollama model '{self.model}' does not support tool calls",
                fix="pick a model with tools (e.g. `ollama pull qwen2.5`), or use the text protocol (--protocol text)",
            )
        if exc.status_code < 0:
            return BackendError(f"Ollama at {self.host} failed mid-answer: {message}", fix="check the Ollama server's log")
        return BackendError(f"Ollama at {self.host} answered HTTP {exc.status_code}: {message}", fix="check the Ollama server's log")

    def _unreadable(self, exc: BaseException) -> BackendError:
        """An answer the client could not read: not JSON (not Ollama at all), or JSON of the wrong shape."""
        import json

        from pydantic import ValidationError

        fix = "check that OLLAMA_HOST points at an Ollama server"
        detail = " ".join(str(exc).split())[:160]
        if isinstance(exc, ValidationError):  # the first problem, where it is: not pydantic's whole report
            first = exc.errors()[0]
            detail = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        if isinstance(exc, json.JSONDecodeError):
            return BackendError(
                f"the server at {self.host} does not speak Ollama's API: its answer is not valid JSON ({detail})", fix=fix
            )
        if "tool_calls" in detail or "arguments" in detail:
            return BackendError(
                f"Ollama at {self.host} sent a tool call Ponder cannot read (its arguments are not a JSON object: {detail})",
                fix="retry; check the model's tool-call template on the Ollama server",
            )
        return BackendError(
            f"the server at {self.host} does not speak Ollama's API ({type(exc).__name__}: {detail})", fix=fix
        )


def _options(request: ModelRequest) -> dict[str, Any]:
    """Ollama's per-request ``options`` (merged over the LLM's own by LlamaIndex)."""
    options: dict[str, Any] = {"temperature": request.temperature}
    stops = [s for s in request.stop if s]
    if stops:
        options["stop"] = stops
    if request.max_tokens:
        options["num_predict"] = request.max_tokens
    if request.seed is not None:
        options["seed"] = request.seed
    return options


def _context_length(model_info: Any) -> int | None:
    for key, value in dict(model_info).items():
        if key.endswith(".context_length") and isinstance(value, int):
            return value
    return None
