"""See what Ponder does: logging setup for the CLI and OpenTelemetry traces of runs.

Nothing here imports OpenTelemetry until tracing is switched on: ``enable_tracing()`` (or, in the
CLI, ``OTEL_EXPORTER_OTLP_ENDPOINT``), or an application that set its own tracer provider.
"""

from __future__ import annotations

from ponder.telemetry.tracing import (
    disable_tracing,
    enable_tracing,
    enable_tracing_from_env,
    flush_traces,
    tracing_requested,
)

__all__ = ["disable_tracing", "enable_tracing", "enable_tracing_from_env", "flush_traces", "tracing_requested"]
