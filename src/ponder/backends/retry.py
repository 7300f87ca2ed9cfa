"""One retry policy for the backends that talk to a server (OpenAI-compatible and Ollama).

- Retried: HTTP 429 and 5xx, connections refused, reset or closed before an answer, and a
  stream cut before any text arrived. Never retried: other 4xx (the request itself is wrong),
  a timeout (a stalled server usually stays stalled), an answer that cannot be read, and a
  stream cut after text was shown (it cannot be taken back).
- Waits grow exponentially with jitter (``base * 2**n``, half of it random, at most ``cap``);
  a ``Retry-After`` header is honoured as given.
- Nothing waits or retries past the request's deadline: when the next try could not start in
  time, the fault is reported at once, with the time limit named.

Each backend classifies its client's exceptions into ``Fault``s (what happened, said for a
user, and whether it is worth another try); ``retrying`` does the rest.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from ponder.backends.base import Deadline, ModelReply
from ponder.backends.transport import Attempt, ClientFailure
from ponder.errors import BackendError, BackendUnavailable, ConfigError, DeadlineExceeded

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))


class EmptyReply(BackendError):
    """The server answered, but with nothing: no text and no tool call (or no choices at all)."""


class StreamCut(BackendUnavailable):
    """A stream ended before its answer was finished (no finish reason, no ``done``); retried if no text came yet."""


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2
    """Tries after the first."""
    base: float = 0.5
    cap: float = 8.0
    longest_wait: float = 60.0
    """A ``Retry-After`` longer than this is not waited for (the fault is reported instead)."""

    def backoff(self, retry: int, retry_after: float | None = None, *, rng: Callable[[], float] = random.random) -> float:
        if retry_after is not None:
            return max(0.0, retry_after)
        step = min(self.cap, self.base * 2**retry)
        return step / 2 + rng() * step / 2


@dataclass
class Fault:
    """What went wrong with one try, said for a user, and whether another try may help."""

    error: BackendError
    retryable: bool = False
    retry_after: float | None = None


@dataclass
class RetryLog:
    """What the tries of one request met (for tests and the fault benchmark)."""

    faults: list[str] = field(default_factory=list)
    waited: float = 0.0


Classify = Callable[[BaseException, Attempt, bool], "Fault | None"]
"""(exception, the attempt, whether text was already yielded) -> a Fault, or None for a bug in Ponder."""


def retrying(
    start: Callable[[Attempt], Generator[str | ModelReply, None, None]],
    *,
    classify: Classify,
    deadline: Deadline | None,
    policy: RetryPolicy,
    log: RetryLog | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str | ModelReply]:
    """Yield one model answer, trying again on the faults ``policy`` retries.

    ``start(attempt)`` begins one try and reads the client through ``attempt`` (so the client's
    exceptions arrive as ``ClientFailure``s, told apart from Ponder's own); the attempt cuts its
    HTTP timeouts to ``deadline``. A ``StreamCut`` raised by the reading code counts as a fault too.
    """
    retry = 0
    while True:
        produced = False
        attempt = Attempt(deadline)
        try:
            with closing(start(attempt)) as items:
                for item in items:
                    produced = produced or (isinstance(item, str) and bool(item))
                    yield item
            return
        except ClientFailure as failure:
            fault = classify(failure.original, attempt, produced)
            if fault is None:
                raise failure.original from None  # not the server's fault: a bug, which the loop names as one
            cause: BaseException = failure.original
        except StreamCut as cut:
            fault, cause = classify(cut, attempt, produced) or Fault(cut, retryable=not produced), cut
        finally:
            attempt.close()
        logger.debug("the model server's client raised %s (%s), reported as %s", type(cause).__name__, cause, type(fault.error).__name__)
        if log is not None:
            log.faults.append(fault.error.message)
        error = _noted(fault.error, f"after {retry + 1} tries") if retry else fault.error
        if produced or not fault.retryable or retry >= policy.retries:
            raise error from cause
        wait = policy.backoff(retry, fault.retry_after)
        if fault.retry_after is not None and wait > policy.longest_wait:
            raise _noted(error, f"it asks to retry after {wait:g}s") from cause
        if deadline is not None and deadline.remaining() <= wait:
            left = max(0.0, deadline.remaining())
            raise _noted(error, f"no time left to retry: {left:.1f}s of {deadline.limit}") from cause
        sleep(wait)
        if log is not None:
            log.waited += wait
        retry += 1


def deadline_error(where: str, deadline: Deadline | None, fix: str) -> DeadlineExceeded:
    limit = deadline.limit if deadline is not None else "its time limit"
    return DeadlineExceeded(f"{where} did not finish answering within {limit}", fix=fix)


def retry_after(headers: Any) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def status_fault(status: int, error: BackendError, headers: Any = None) -> Fault:
    """The fault of an HTTP error status: 429 and 5xx are retried (``Retry-After`` honoured)."""
    return Fault(error, retryable=status in RETRY_STATUSES, retry_after=retry_after(headers))


def connection_fault(exc: BaseException, attempt: Attempt, produced: bool, where: str, *, fix: str) -> Fault:
    """A transport failure, named by when it happened: before connecting, before an answer, or mid-answer."""
    import httpx

    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Fault(BackendError(f"cannot send a request to {where}: {detail}", fix="give the server's URL as http://HOST:PORT"))
    if isinstance(exc, (httpx.ConnectError, ConnectionRefusedError)) and not attempt.responses:
        return Fault(BackendUnavailable(f"cannot connect to {where} ({detail})", fix=fix))
    if produced:
        return Fault(BackendUnavailable(f"the connection to {where} was cut mid-answer ({detail})", fix=f"retry; {fix}"))
    if attempt.responses:
        return Fault(
            BackendUnavailable(f"the stream from {where} was cut before any text arrived ({detail})", fix=f"retry; {fix}"),
            retryable=True,
        )
    reset = "reset" in detail.lower() or isinstance(exc, ConnectionResetError)
    what = "reset the connection" if reset else "closed the connection"
    return Fault(BackendUnavailable(f"{where} {what} without answering ({detail})", fix=fix), retryable=True)


def check_url(url: str, variable: str) -> str:
    """``url`` if it is an http(s) URL with a host, else a ``ConfigError`` naming ``variable``."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(f"{variable} ({url}) is not an http(s) URL", fix=f"set {variable} like http://127.0.0.1:8080")
    return url


def _noted(error: BackendError, note: str) -> BackendError:
    return type(error)(f"{error.message} ({note})", fix=error.fix)
