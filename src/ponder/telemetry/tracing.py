"""Whether runs are traced, and with which tracer provider.

Three ways to switch tracing on:

- ``enable_tracing()``: Ponder exports spans over OTLP/HTTP (to ``endpoint`` or the standard
  ``OTEL_EXPORTER_OTLP_*`` variables) through a tracer provider it builds and makes global, or
  through the ``provider`` given;
- the CLI calls ``enable_tracing_from_env()``: the same when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
  ``..._TRACES_ENDPOINT``) is set;
- an application that set its own tracer provider (``trace.set_tracer_provider``) gets Ponder's
  spans in it, nested under its current span, with no call to Ponder at all.

``run_tracer()`` answers per run without importing OpenTelemetry unless someone already did.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ponder.errors import MissingDependency

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

log = logging.getLogger(__name__)

INSTALL_FIX = "pip install 'ponder[otel]'"
CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The GenAI instrumentations' switch for recording message and tool content (off by default)."""

_LOCK = threading.Lock()
_mode: bool | None = None
"""None: trace when the application set a tracer provider; True: enabled here; False: disabled here."""
_provider: Any = None
_capture: bool | None = None
_tracers: dict[int, Any] = {}


def enable_tracing(
    *,
    provider: TracerProvider | None = None,
    endpoint: str | None = None,
    service_name: str | None = None,
    capture_content: bool | None = None,
) -> None:
    """Trace every run from now on: an ``invoke_agent`` span, a ``chat`` span per model call and an
    ``execute_tool`` span per tool call, with the GenAI semantic conventions' attributes.

    ``provider``: a tracer provider of yours. Otherwise the application's global one if it set one,
    else a new one that exports over OTLP/HTTP to ``endpoint`` (``http://host:4318``; default: the
    ``OTEL_EXPORTER_OTLP_*`` variables, else ``http://localhost:4318``), made global.
    ``capture_content``: also record the task, the answer, tool arguments and results (redacted);
    default: ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``.
    """
    global _mode, _provider, _capture
    require_otel()
    from opentelemetry import trace

    from ponder.telemetry import llama_index

    with _LOCK:
        if provider is None:
            current = trace.get_tracer_provider()
            if _is_configured(current):
                provider = current
            else:
                from ponder.telemetry.otlp import otlp_provider

                provider = otlp_provider(endpoint=endpoint, service_name=service_name)
                trace.set_tracer_provider(provider)
                log.info("tracing: exporting spans over OTLP/HTTP to %s", _where(endpoint))
        _mode, _provider, _capture = True, provider, capture_content
        _tracers.clear()
    llama_index.install(tracer_for(provider))


def disable_tracing() -> None:
    """No more spans from Ponder (the spans already ended are still exported)."""
    global _mode, _provider
    from ponder.telemetry import llama_index

    flush_traces()
    with _LOCK:
        _mode, _provider = False, None
        _tracers.clear()
    llama_index.uninstall()


def flush_traces(timeout_seconds: float = 10.0) -> bool:
    """Export the spans that are waiting (the CLI does it at exit); False if that did not finish in time."""
    provider = _provider
    flush = getattr(provider, "force_flush", None)
    if flush is None:
        return True
    return bool(flush(int(timeout_seconds * 1000)))


def tracing_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Do the standard OpenTelemetry variables ask for traces (an OTLP endpoint, the SDK not disabled)?"""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip() or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip())


def enable_tracing_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """``enable_tracing()`` if ``tracing_requested()``; True if tracing is now on.

    Raises ``MissingDependency`` (fix: install the ``otel`` extra) when traces are asked for but
    OpenTelemetry is not installed.
    """
    if not tracing_requested(environ):
        return False
    enable_tracing()
    return True


def capture_content() -> bool:
    if _capture is not None:
        return _capture
    return os.environ.get(CAPTURE_ENV, "").strip().lower() in ("true", "1", "yes")


def run_tracer() -> Tracer | None:
    """The tracer a run starting now reports to, or None when runs are not traced.

    Imports nothing: with tracing not enabled here, it only looks at an OpenTelemetry that the
    application already imported, for a tracer provider the application set.
    """
    mode, provider = _mode, _provider
    if mode is False:
        return None
    if mode is True:
        return tracer_for(provider)
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    current = trace.get_tracer_provider()
    if not _is_configured(current):
        return None
    tracer = tracer_for(current)
    from ponder.telemetry import llama_index

    llama_index.install(tracer)  # once: LlamaIndex's own spans join the application's traces too
    return tracer


def tracer_for(provider: Any) -> Tracer:
    found = _tracers.get(id(provider))
    if found is None:
        from ponder import version

        found = provider.get_tracer("ponder", version())
        _tracers[id(provider)] = found
    return found


def require_otel() -> None:
    """Raise ``MissingDependency`` unless the ``otel`` extra is installed."""
    import importlib.util

    for module in ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            raise MissingDependency(
                "traces need OpenTelemetry's SDK and OTLP/HTTP exporter, which are not installed", fix=INSTALL_FIX
            )


def _is_configured(provider: Any) -> bool:
    """Is ``provider`` one that records spans (not the API's placeholder or no-op)?"""
    from opentelemetry.trace import NoOpTracerProvider, ProxyTracerProvider

    return not isinstance(provider, (ProxyTracerProvider, NoOpTracerProvider))


def _where(endpoint: str | None) -> str:
    return (
        endpoint
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or "http://localhost:4318"
    )
