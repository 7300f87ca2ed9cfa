"""The HTTP transport under the OpenAI and Ollama clients: it makes a request's deadline hold.

A model request runs as ``Attempt``s (one per try). While an attempt is active on a thread,
every HTTP request that thread sends through a ``DeadlineTransport`` gets its timeouts cut to
the time left, and a watchdog shuts the sockets of the responses it opened once the deadline
passes, so a server that stops mid-answer, trickles keep-alives or never ends its stream cannot
hold a run past its time limit. The transport also keeps the responses, so the retry policy can
read a failed answer's status and ``Retry-After`` whatever the client library did with them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx

from ponder.backends.base import Deadline

T = TypeVar("T")
_active = threading.local()


class ClientFailure(Exception):
    """An exception the HTTP client library raised while sending a request or reading its answer.

    Wrapping it tells the server's faults (which the retry policy names) apart from exceptions
    in Ponder's own code around the stream (bugs, which must surface as such).
    """

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


class Attempt:
    """One try of one model request: its deadline and the HTTP responses it opened."""

    def __init__(self, deadline: Deadline | None) -> None:
        self.deadline = deadline
        self.responses: list[httpx.Response] = []
        self.cut = False
        """The watchdog shut the attempt's sockets: the deadline passed mid-answer."""
        self._timer: threading.Timer | None = None
        if deadline is not None:
            self._timer = threading.Timer(max(0.0, deadline.remaining()), self._cut)
            self._timer.daemon = True
            self._timer.start()

    @property
    def last_response(self) -> httpx.Response | None:
        return self.responses[-1] if self.responses else None

    def expired(self) -> bool:
        return self.cut or (self.deadline is not None and self.deadline.remaining() <= 0.01)

    def iterate(self, items: Iterator[T]) -> Iterator[T]:
        """Yield from ``items``, with this attempt active only while an item is being fetched."""
        while True:
            previous = getattr(_active, "attempt", None)
            _active.attempt = self
            try:
                item = next(items)
            except StopIteration:
                return
            except Exception as exc:
                raise ClientFailure(exc) from exc
            finally:
                _active.attempt = previous
            yield item

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` with this attempt active (a non-streamed request)."""
        previous = getattr(_active, "attempt", None)
        _active.attempt = self
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise ClientFailure(exc) from exc
        finally:
            _active.attempt = previous

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _cut(self) -> None:
        self.cut = True
        for response in list(self.responses):
            shutdown(response)


def shutdown(response: httpx.Response) -> None:
    """Shut the socket under ``response`` down: a read blocked on it (in any thread) returns at once.

    ``network_stream`` is httpcore's documented response extension and ``get_extra_info("socket")``
    its documented way to the socket; ``shutdown`` wakes a blocked ``recv``, where ``close`` would not.
    """
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def active_attempt() -> Attempt | None:
    return getattr(_active, "attempt", None)


class DeadlineTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` that cuts each request's timeouts to the active attempt's deadline."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = active_attempt()
        if attempt is not None and attempt.deadline is not None:
            left = attempt.deadline.remaining()
            if left <= 0:
                raise httpx.ReadTimeout("the deadline passed before the request was sent", request=request)
            timeout = dict(request.extensions.get("timeout") or {})
            for key in ("connect", "read", "write", "pool"):
                given = timeout.get(key)
                timeout[key] = left if given is None else min(float(given), left)
            request.extensions = {**request.extensions, "timeout": timeout}
        response = super().handle_request(request)
        if attempt is not None:
            attempt.responses.append(response)
            if attempt.cut:  # the deadline passed while the headers were on their way
                shutdown(response)
        return response
