"""The tracer provider Ponder builds when it exports spans itself: OTLP/HTTP, batched, flushed at exit.

Needs the ``otel`` extra (OpenTelemetry's SDK and its OTLP/HTTP exporter). The exporter reads the
standard variables (``OTEL_EXPORTER_OTLP_ENDPOINT``, ``..._HEADERS``, ``..._TIMEOUT``...) itself;
``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` name the service (default ``ponder``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

TRACES_PATH = "/v1/traces"


def otlp_provider(*, endpoint: str | None = None, service_name: str | None = None) -> TracerProvider:
    """A provider whose spans go, in batches, to the OTLP/HTTP receiver at ``endpoint`` (a base URL)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from ponder import version

    attributes: dict[str, str] = {SERVICE_VERSION: version()}
    if service_name or not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = service_name or "ponder"
    provider = TracerProvider(resource=Resource.create(attributes))
    url = endpoint.rstrip("/") + TRACES_PATH if endpoint and not endpoint.rstrip("/").endswith(TRACES_PATH) else endpoint
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    return provider
