"""Fault injection: every fault a server can throw at both protocols ends recovered or in a clear error, in time.

Each cell runs a whole agent (loop, backend, real client, real HTTP) against a loopback server that
injects one fault, with a run time limit, and checks what a user would see: the answer, or the
error's words and its fix, and how long it took. The same cells drive ``benchmarks/faults.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ponder import Agent
from ponder.agents.limits import Limits
from ponder.backends.retry import RetryPolicy
from ponder.errors import BackendError, DeadlineExceeded
from tests.fakes.faults import CELLS, RUN_TIMEOUT, Cell, backend_for, run_cell, serve
from tests.fakes.replies import Reply
from tests.fakes.server import FakeServer

SLACK = 1.5
"""Seconds a run may overrun its time limit: a thread's wake-up, a socket shut down, the error raised."""


@pytest.fixture(params=["openai", "ollama"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(protocol: str) -> Iterator[FakeServer]:
    with serve(protocol) as fake:
        yield fake


@pytest.mark.parametrize("cell", CELLS, ids=[c.name for c in CELLS])
def test_every_fault_ends_recovered_or_in_a_clear_error_within_the_time_limit(
    cell: Cell, protocol: str, server: FakeServer
) -> None:
    answer, error, seconds, _ = run_cell(cell, protocol, server)
    expected = cell.outcome(protocol)
    if expected.recovers:
        assert error is None, f"{cell.name} should recover, got: {error}"
        assert answer is not None and expected.answer in answer
    else:
        assert error is not None, f"{cell.name} should end in an error, got the answer {answer!r}"
        assert expected.message in error.message, error.message
        assert error.fix, "every error names a fix"
        assert "Traceback" not in str(error)
    assert seconds < RUN_TIMEOUT + SLACK, f"{cell.name} took {seconds:.1f}s"
    if expected.min_seconds:
        assert seconds >= expected.min_seconds, f"{cell.name} did not wait as told ({seconds:.2f}s)"


def test_a_server_that_never_answers_ends_at_the_run_timeout_naming_it(protocol: str, server: FakeServer) -> None:
    hang = next(c for c in CELLS if c.name == "never answers")
    _, error, seconds, _ = run_cell(hang, protocol, server)
    assert isinstance(error, DeadlineExceeded)
    assert "the run's time limit of 3s (--timeout)" in error.message
    assert "--timeout" in error.fix
    assert RUN_TIMEOUT - 0.2 <= seconds < RUN_TIMEOUT + SLACK


def test_a_retry_after_beyond_the_time_left_is_reported_at_once(protocol: str, server: FakeServer) -> None:
    server.enqueue(Reply(status=429, error="slow down", headers={"Retry-After": "30"}))
    backend = backend_for(protocol, server.url)
    started = time.perf_counter()
    with pytest.raises(BackendError) as caught:
        Agent(backend, limits=Limits(run_timeout=RUN_TIMEOUT)).run("hi")
    assert time.perf_counter() - started < 1.5, "it did not sleep 30 s, nor until the deadline"
    assert "429" in caught.value.message and "no time left to retry" in caught.value.message
    assert "--timeout" in caught.value.message


def test_a_retry_after_longer_than_a_minute_is_not_waited_for_without_a_deadline(
    protocol: str, server: FakeServer
) -> None:
    server.enqueue(Reply(status=503, error="maintenance", headers={"Retry-After": "3600"}))
    started = time.perf_counter()
    with pytest.raises(BackendError) as caught:
        Agent(backend_for(protocol, server.url), limits=Limits(run_timeout=None)).run("hi")
    assert time.perf_counter() - started < 1.5
    assert "it asks to retry after 3600s" in caught.value.message


def test_other_client_errors_are_not_retried(protocol: str, server: FakeServer) -> None:
    server.enqueue(Reply(status=400, error="bad request: messages[0] is invalid"), "never sent")
    with pytest.raises(BackendError) as caught:
        Agent(backend_for(protocol, server.url), limits=Limits(run_timeout=RUN_TIMEOUT)).run("hi")
    assert "HTTP 400" in caught.value.message
    assert len(server.replies) == 1, "one request only"


def test_the_backoff_between_tries_grows_and_is_jittered() -> None:
    policy = RetryPolicy(base=0.5, cap=8.0)
    lows = [policy.backoff(n, rng=lambda: 0.0) for n in range(6)]
    highs = [policy.backoff(n, rng=lambda: 1.0) for n in range(6)]
    assert lows == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert highs == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.backoff(3, retry_after=1.5) == 1.5, "Retry-After wins over the backoff"


def test_a_retry_after_date_is_read_as_the_seconds_until_then() -> None:
    from email.utils import formatdate

    from ponder.backends.retry import retry_after

    assert retry_after({"retry-after": "7"}) == 7.0
    in_ten = retry_after({"retry-after": formatdate(time.time() + 10, usegmt=True)})
    assert in_ten is not None and 8 <= in_ten <= 10
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


@pytest.mark.parametrize("url", ["localhost:8080/v1", "ftp://127.0.0.1/v1", "http://[::1", "http://127.0.0.1:port/v1"])
def test_an_openai_base_url_that_is_not_http_names_the_variable(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.backends.registry import resolve_backend
    from ponder.errors import ConfigError

    monkeypatch.setenv("OPENAI_BASE_URL", url)
    with pytest.raises(ConfigError) as caught:
        resolve_backend("openai:m")
    assert "OPENAI_BASE_URL" in caught.value.message and "http://" in caught.value.fix


@pytest.mark.parametrize("host", ["localhost:abc", "ftp://somewhere", "http://[::1"])
def test_an_ollama_host_that_is_not_http_names_the_variable(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.backends.registry import resolve_backend
    from ponder.errors import ConfigError

    monkeypatch.setenv("OLLAMA_HOST", host)
    with pytest.raises(ConfigError) as caught:
        resolve_backend("ollama:m")
    assert "OLLAMA_HOST" in caught.value.message
