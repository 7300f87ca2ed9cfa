"""Fixtures for the trace tests: a real OTLP/HTTP receiver on loopback, and tracing switched on into it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.telemetry.otlp_receiver import OtlpReceiver, ReceivedSpan


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    r = OtlpReceiver().start()
    yield r
    r.stop()


@dataclass
class Traces:
    """Tracing on, into ``receiver`` through Ponder's own OTLP/HTTP provider (not made global)."""

    receiver: OtlpReceiver
    provider: Any

    def enable(self, *, capture_content: bool = False) -> None:
        from ponder.telemetry import enable_tracing

        enable_tracing(provider=self.provider, capture_content=capture_content)

    def collect(self, until: str = "invoke_agent") -> list[ReceivedSpan]:
        """Everything received once the spans waiting in the batch went out and ``until`` is among them."""
        from ponder.telemetry import flush_traces

        assert flush_traces(), "the spans could not be exported in time"
        return self.receiver.wait_for(until)


@pytest.fixture
def traces(receiver: OtlpReceiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[Traces]:
    from ponder.telemetry import disable_tracing, tracing
    from ponder.telemetry.otlp import otlp_provider

    monkeypatch.setattr(tracing, "_mode", tracing._mode)  # put the switch back as it was afterwards
    provider = otlp_provider(endpoint=receiver.endpoint)
    t = Traces(receiver, provider)
    t.enable()
    yield t
    disable_tracing()
    provider.shutdown()


def by_name(spans: list[ReceivedSpan], name: str) -> list[ReceivedSpan]:
    return sorted((s for s in spans if s.name == name), key=lambda s: s.start_ns)


def one(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    found = by_name(spans, name)
    assert len(found) == 1, f"expected one {name!r} span, got {[s.name for s in spans]}"
    return found[0]
