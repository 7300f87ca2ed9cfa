"""``openai:<model>``: the OpenAI API, or any OpenAI-compatible server (``OPENAI_BASE_URL``).

Drives LlamaIndex's ``OpenAILike`` (``backend.llm``), which works for any model name and never
asks tiktoken for a tokenizer (tiktoken downloads its files on first use; Ponder must run
offline). Streams text and native tool calls, applies stop sequences on the client too (the
API takes at most four and compatible servers vary), and turns the SDK's exceptions into
errors that name the fix.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Any

from llama_index.core.base.llms.types import ChatResponse
from llama_index.llms.openai.utils import ALL_AVAILABLE_MODELS, O1_MODELS, is_chatcomp_api_supported
from llama_index.llms.openai_like import OpenAILike
from openai import DEFAULT_CONNECTION_LIMITS

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
from ponder.backends.openai.errors import OPENAI_API, EmptyStream, Endpoint, classify, refuses_streaming_tools
from ponder.backends.openai.http import AsyncCompatibleClient, CompatibleClient
from ponder.backends.openai.response_format import next_dialect, refuses_response_format, response_format
from ponder.backends.retry import EmptyReply, Fault, RetryLog, RetryPolicy, StreamCut, check_url, retrying
from ponder.backends.transport import Attempt, DeadlineTransport
from ponder.errors import BackendAuthError, BackendError, ConfigError

log = logging.getLogger(__name__)

PLACEHOLDER_KEY = "sk-no-key-required"
"""Sent to a compatible server when no key is set: the SDK insists on one, llama.cpp ignores it."""
DEFAULT_TIMEOUT = 120.0
DEFAULT_CONTEXT_WINDOW = 8192
"""For models LlamaIndex does not know (compatible servers): a safe guess; pass ``context_window=``."""
MAX_STOP_SEQUENCES = 4


def create(model: str, **options: Any) -> OpenAIBackend:
    """``openai:<model>``; options: api_key, base_url, timeout, max_retries, context_window, streaming_with_tools."""
    return OpenAIBackend(model, **options)


@dataclass
class _Call:
    """One tool call being assembled from stream deltas."""

    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class _Collected:
    calls: dict[int, _Call] = field(default_factory=dict)
    usage: Any = None
    finish_reason: str | None = None
    choices: int = 0
    """Chunks that carried a choice (a stream of usage-only chunks answered nothing)."""


class OpenAIBackend(Backend):
    provider = "openai"

    def identity(self) -> dict[str, Any]:
        return {"url": self.base_url or OPENAI_API}

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        context_window: int | None = None,
        streaming_with_tools: bool = True,
    ) -> None:
        if not model:
            raise ConfigError(
                "openai: needs a model name", fix="write it after the colon, e.g. openai:gpt-4o-mini"
            )
        if not is_chatcomp_api_supported(model):
            raise ConfigError(
                f"OpenAI model '{model}' is only served by the Responses API",
                fix="pick a chat model, e.g. openai:gpt-4o-mini",
            )
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "").rstrip("/") or None
        if self.base_url is not None:
            check_url(self.base_url, "OPENAI_BASE_URL" if base_url is None else "base_url")
        key = api_key or os.environ.get("OPENAI_API_KEY") or None
        self.endpoint = Endpoint(
            model=model, base_url=self.base_url, has_key=key is not None, timeout=timeout
        )
        known = ALL_AVAILABLE_MODELS.get(model) if self.base_url is None else None
        self.capabilities = Capabilities(
            native_tool_calls=True,
            streaming_with_tools=streaming_with_tools,
            context_window=context_window or known or DEFAULT_CONTEXT_WINDOW,
        )
        self._reasoning = model in O1_MODELS
        self.answer_format = "json_schema"
        """How typed answers are asked for: json_schema, json_object or none (see ``response_format``)."""
        self.retry_policy = RetryPolicy(retries=max_retries)
        self.retry_log = RetryLog()
        self._http = CompatibleClient(transport=DeadlineTransport(limits=DEFAULT_CONNECTION_LIMITS))
        self._ahttp = AsyncCompatibleClient()
        settings: dict[str, Any] = {
            "model": model,
            "api_key": key or PLACEHOLDER_KEY,
            "api_base": self.base_url or OPENAI_API,
            "is_chat_model": True,
            "is_function_calling_model": True,
            "context_window": self.capabilities.context_window,
            "timeout": timeout,
            "http_client": self._http,
            "async_http_client": self._ahttp,
        }
        # ``llm`` is for stock LlamaIndex agents, with the SDK's own retries; Ponder's requests go
        # through ``_calls``, which never retries by itself: ``retrying`` applies Ponder's policy.
        self._llm = OpenAILike(**settings, max_retries=max_retries)
        self._calls = OpenAILike(**settings, max_retries=0)
        # The SDK imports its resource modules on the first request (about 1-2 s): pay that here,
        # not inside the first request's time limit.
        import openai.resources.chat  # noqa: F401

    @property
    def llm(self) -> OpenAILike:
        return self._llm

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        while True:
            started = False
            try:
                with closing(self._stream_once(request)) as items:
                    for item in items:
                        started = True
                        yield item
                return
            except BackendError as exc:
                # Typed answers: a server that refuses this response_format is asked in the next dialect.
                if started or request.answer_schema is None or self.answer_format == "none":
                    raise
                if not refuses_response_format(exc):
                    raise
                self.answer_format = next_dialect(self.answer_format)

    def _stream_once(self, request: ModelRequest) -> Generator[str | ModelReply, None, None]:
        if not self.endpoint.has_key and self.base_url is None:
            raise BackendAuthError(
                "OPENAI_API_KEY is not set",
                fix="set OPENAI_API_KEY, or set OPENAI_BASE_URL to an OpenAI-compatible server "
                "(e.g. http://127.0.0.1:8080/v1)",
            )
        if request.tools and not self.capabilities.streaming_with_tools:
            yield from self._retrying(request, self._complete)
            return
        started = False
        try:
            for item in self._retrying(request, self._stream):
                started = True
                yield item
        except BackendError as exc:
            if started or not (request.tools and refuses_streaming_tools(exc)):
                raise
            # Remember, and ask without streaming (this request and the next ones).
            log.info("%s refused to stream while tools are offered; asking without streaming from now on", self.endpoint.where)
            self.capabilities = replace(self.capabilities, streaming_with_tools=False)
            yield from self._retrying(request, self._complete)

    def _retrying(
        self, request: ModelRequest, method: Callable[[ModelRequest, Attempt], Generator[str | ModelReply, None, None]]
    ) -> Iterator[str | ModelReply]:
        def classify_fault(exc: BaseException, attempt: Attempt, produced: bool) -> Fault | None:
            return classify(exc, attempt, produced, self.endpoint, tools=bool(request.tools), typed=request.answer_schema is not None)

        return retrying(
            lambda attempt: method(request, attempt),
            classify=classify_fault,
            deadline=request.deadline,
            policy=self.retry_policy,
            log=self.retry_log,
        )

    def _stream(self, request: ModelRequest, attempt: Attempt) -> Generator[str | ModelReply, None, None]:
        guard = TextGuard(request)
        collected = _Collected()
        chunks = self._calls.stream_chat(list(request.messages), **self._request_options(request))
        items = attempt.iterate(chunks)
        opened: list[Any] = []
        try:
            with self._http.capture() as opened:
                first = next(items, None)  # sends the request
            if first is None:
                for response in opened:  # the server hangs up next: a reused connection would fail
                    _drop_connection(response)
                raise EmptyStream(
                    f"{self.endpoint.where} ended its streamed answer without sending anything",
                    fix="retry; if it keeps happening with tools, pass streaming_with_tools=False",
                )
            for chunk in itertools.chain([first], items):
                delta = _read_chunk(chunk, collected)
                if delta:
                    shown, done = guard.feed(delta)
                    if shown:
                        yield shown
                    if done:
                        break
        finally:
            chunks.close()
            for response in opened:  # on an early stop this hangs up: the server stops generating
                response.close()
        if not guard.stopped:
            self._check_finished(collected, guard)
        yield from guard.rest()
        yield self._reply(request, guard, collected)

    def _check_finished(self, collected: _Collected, guard: TextGuard) -> None:
        """A stream that ended on its own must have answered something.

        A missing finish reason alone is tolerated (some compatible servers leave it out); a
        connection cut mid-stream shows up as a transport error instead.
        """
        where = self.endpoint.where
        if guard.text or collected.calls:
            return
        if not collected.choices:
            raise EmptyReply(f"{where} answered with no choices (an empty answer)", fix="retry; check the server's log")
        if collected.finish_reason is None:
            raise StreamCut(
                f"the stream from {where} ended before anything was answered (no text, no tool call, no finish reason)",
                fix=f"retry; check the server at {self.endpoint.env_hint}",
            )
        raise EmptyReply(
            f"{where} sent an empty answer: no text and no tool call (finish reason '{collected.finish_reason}')",
            fix="check the model and its chat template on the server"
            + ("; raise max_tokens_per_step" if collected.finish_reason == "length" else ""),
        )

    def close(self) -> None:
        self._http.close()

    def _complete(self, request: ModelRequest, attempt: Attempt) -> Generator[str | ModelReply, None, None]:
        """One non-streamed request, for servers that cannot stream while tools are offered."""
        options = self._request_options(request)
        options.pop("stream_options")
        response = attempt.call(self._calls.chat, list(request.messages), **options)
        raw: Any = response.raw  # the SDK's ChatCompletion
        if not getattr(raw, "choices", None):
            raise EmptyReply(f"{self.endpoint.where} answered with no choices (an empty answer)", fix="retry; check the server's log")
        choice = raw.choices[0]
        collected = _Collected(usage=raw.usage, finish_reason=choice.finish_reason, choices=1)
        for i, call in enumerate(choice.message.tool_calls or []):
            collected.calls[i] = _Call(id=call.id, name=call.function.name, arguments=call.function.arguments)
        guard = TextGuard(request)
        shown, _ = guard.feed(choice.message.content or "")
        if not guard.stopped:
            self._check_finished(collected, guard)
        if shown:
            yield shown
        yield from guard.rest()
        yield self._reply(request, guard, collected)

    # -- one request -------------------------------------------------------------------------
    def _request_options(self, request: ModelRequest) -> dict[str, Any]:
        options: dict[str, Any] = {"stream_options": {"include_usage": True}}
        if request.tools:
            options["tools"] = [t.openai_schema() for t in request.tools]
            # OpenAI's default once tools are sent, but llama.cpp's chatml-function-calling leaves
            # the tools out of the prompt unless it is said.
            options["tool_choice"] = "required" if request.require_call else "auto"
        if not self._reasoning:  # reasoning models refuse temperature and stop
            options["temperature"] = request.temperature
            stops = [s for s in request.stop if s][:MAX_STOP_SEQUENCES]
            if stops:
                options["stop"] = stops
        if request.max_tokens:
            # OpenAI deprecated max_tokens (reasoning models refuse it); compatible servers know max_tokens.
            options["max_completion_tokens" if self.base_url is None else "max_tokens"] = request.max_tokens
        if request.seed is not None:
            options["seed"] = request.seed
        if request.answer_schema is not None:
            answer = response_format(request.answer_schema, self.answer_format, with_tools=bool(request.tools))
            if answer is not None:
                options["response_format"] = answer
        return options

    def _reply(self, request: ModelRequest, guard: TextGuard, collected: _Collected) -> ModelReply:
        # Text is streamed before tool calls, so a stop in the text means no call was started.
        parts = [] if guard.stopped else [collected.calls[i] for i in sorted(collected.calls)]
        calls = [
            NativeToolCall(id=c.id or f"call_{i}", name=c.name, arguments=parse_arguments(c.arguments))
            for i, c in enumerate(parts)
        ]
        usage = _usage(collected.usage) or estimate_usage(request.messages, request.tools, guard.text, calls)
        finish = "stop" if guard.stopped else (collected.finish_reason or "stop")
        return ModelReply(
            text=guard.text,
            tool_calls=calls,
            usage=usage,
            finish_reason=finish,
            message=assistant_message(guard.text, calls, [c.arguments for c in parts]),
        )


def _read_chunk(chunk: ChatResponse, collected: _Collected) -> str:
    """Record a chunk's tool-call deltas, usage and finish reason; return its text delta.

    Tool calls are assembled from the raw deltas by index (not from LlamaIndex's running
    message, which keeps only the first call of a chunk and concatenates repeated ids), so the
    shapes compatible servers send all survive.
    """
    raw: Any = chunk.raw  # the SDK's ChatCompletionChunk
    usage = getattr(raw, "usage", None)
    if usage is not None:
        collected.usage = usage
    for choice in getattr(raw, "choices", None) or []:
        collected.choices += 1
        if choice.finish_reason:
            collected.finish_reason = choice.finish_reason
        for delta in (choice.delta.tool_calls if choice.delta else None) or []:
            call = collected.calls.setdefault(delta.index, _Call())
            call.id = call.id or delta.id or ""  # some servers repeat id and name in every delta
            if delta.function is not None:
                call.name = call.name or delta.function.name or ""
                call.arguments += delta.function.arguments or ""
    return chunk.delta or ""


def _drop_connection(response: Any) -> None:
    """Close the socket under ``response`` so the pool discards its connection instead of reusing it.

    ``network_stream`` is httpcore's documented response extension for the connection's stream.
    """
    stream = getattr(response, "extensions", {}).get("network_stream")
    if stream is not None:
        stream.close()


def _usage(raw: Any) -> Usage | None:
    if raw is None or raw.prompt_tokens is None:
        return None
    cached = getattr(getattr(raw, "prompt_tokens_details", None), "cached_tokens", None)
    return Usage(
        prompt_tokens=raw.prompt_tokens,
        completion_tokens=raw.completion_tokens or 0,
        prompt_tokens_evaluated=raw.prompt_tokens - cached if cached is not None else None,
    )
