"""Prometheus metrics: requests, latency, queue depth, runs, refusals (``GET /metrics``).

Each app has its own registry, so several servers in one process (tests) never share counts.
Routes are labelled by their endpoint's name, never by the raw path (run ids would make every
run a new series).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from ponder.serve.queue import Lane

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("ponder_serve_requests", "HTTP requests answered", ["route", "status"], registry=r)
        self.latency = Histogram(
            "ponder_serve_request_seconds", "time to the end of the response", ["route"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.runs = Counter("ponder_serve_runs", "runs ended, by how they stopped", ["model", "stop_reason"], registry=r)
        self.paused = Counter("ponder_serve_runs_paused", "runs paused for approval", ["model"], registry=r)
        self.rejected = Counter("ponder_serve_rejected", "requests refused because a queue was full", ["lane"], registry=r)
        self.first_token = Histogram(
            "ponder_serve_first_token_seconds", "time from request to the first streamed content", buckets=_LATENCY_BUCKETS, registry=r
        )

    def watch(self, lanes: Callable[[], Sequence[Lane]]) -> None:
        """Report queue depth and in-flight runs of ``lanes()`` (read whenever metrics are scraped)."""
        self.registry.register(_LaneCollector(lanes))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LaneCollector(Collector):
    def __init__(self, lanes: Callable[[], Sequence[Lane]]) -> None:
        self._lanes = lanes

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily("ponder_serve_queue_depth", "requests waiting for a run slot", labels=["lane"])
        running = GaugeMetricFamily("ponder_serve_runs_in_flight", "runs being computed", labels=["lane"])
        for lane in self._lanes():
            depth.add_metric([lane.name], lane.waiting)
            running.add_metric([lane.name], lane.running)
        yield depth
        yield running


class MetricsMiddleware:
    """Counts every response by route and status, and times it to its last byte."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            endpoint = scope.get("endpoint")
            route = getattr(endpoint, "__name__", "other")
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
