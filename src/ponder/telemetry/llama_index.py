"""LlamaIndex's own spans (retrievers, query engines, LLM calls) as OpenTelemetry spans in Ponder's traces.

A span handler on LlamaIndex's root dispatcher (``llama_index.core.instrumentation``) opens an
OpenTelemetry span for each LlamaIndex span: under its LlamaIndex parent when it has one, else
under the current OpenTelemetry span, which inside a run is Ponder's (a knowledge search's
retriever nests under its ``execute_tool`` span). Only the span's name, its primitive
instrumentation tags and, on failure, the redacted error are recorded: no arguments, no results.

Written here rather than taken from ``llama-index-observability-otel``: that package pins
``llama-index-instrumentation<0.6`` (LlamaIndex 0.14 runs 0.6), keeps every finished span in
memory (``SimpleSpanHandler``) and copies each event's whole payload (prompts, retrieved text)
into the trace.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.span import SimpleSpan
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from pydantic import PrivateAttr

from ponder.telemetry import genai
from ponder.telemetry.redaction import redact

_LOCK = threading.Lock()
_installed: OTelSpanHandler | None = None


class OTelSpanHandler(BaseSpanHandler[SimpleSpan]):
    """Opens and ends an OpenTelemetry span with each LlamaIndex span; keeps nothing once it ended."""

    _tracer: Any = PrivateAttr()
    _spans: dict[str, Any] = PrivateAttr(default_factory=dict)

    def __init__(self, tracer: Any) -> None:
        super().__init__()
        self._tracer = tracer
        self._spans = {}

    @classmethod
    def class_name(cls) -> str:
        return "PonderOTelSpanHandler"

    def new_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        parent_span_id: str | None = None,
        tags: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> SimpleSpan:
        from opentelemetry import trace

        parent = self._spans.get(parent_span_id) if parent_span_id else None
        context = trace.set_span_in_context(parent) if parent is not None else None  # None: the current span
        name = id_.partition("-")[0]
        attributes: dict[str, str | bool | int | float] = {"llama_index.span": name}
        for key, value in (tags or {}).items():
            if isinstance(value, (str, bool, int, float)):
                attributes[key if "." in key else f"llama_index.{key}"] = redact(value) if isinstance(value, str) else value
        with self.lock:
            self._spans[id_] = self._tracer.start_span(name, context=context, attributes=attributes)
        return SimpleSpan(id_=id_, parent_id=parent_span_id, tags=tags or {})

    def prepare_to_exit_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        result: Any | None = None,
        **kwargs: Any,
    ) -> SimpleSpan | None:
        with self.lock:
            span = self._spans.pop(id_, None)
        if span is not None:
            span.end()
        return self.open_spans.get(id_)

    def prepare_to_drop_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        err: BaseException | None = None,
        **kwargs: Any,
    ) -> SimpleSpan | None:
        from opentelemetry.trace import Status, StatusCode

        with self.lock:
            span = self._spans.pop(id_, None)
        if span is not None:
            if err is not None:
                message = redact(str(err))
                span.set_attribute(genai.ERROR_TYPE, type(err).__name__)
                span.add_event("exception", {"exception.type": type(err).__name__, "exception.message": message})
                span.set_status(Status(StatusCode.ERROR, f"{type(err).__name__}: {message}"))
            span.end()
        return self.open_spans.get(id_)


def install(tracer: Any) -> None:
    """Send LlamaIndex's spans to ``tracer`` (replacing the handler a previous call installed)."""
    global _installed
    with _LOCK:
        if _installed is not None and _installed._tracer is tracer:
            return
        _remove(_installed)
        _installed = OTelSpanHandler(tracer)
        get_dispatcher().add_span_handler(_installed)


def uninstall() -> None:
    global _installed
    with _LOCK:
        _remove(_installed)
        _installed = None


def _remove(handler: OTelSpanHandler | None) -> None:
    if handler is not None:
        dispatcher = get_dispatcher()
        dispatcher.span_handlers = [h for h in dispatcher.span_handlers if h is not handler]
