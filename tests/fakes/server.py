"""A threaded loopback HTTP/1.1 server that scripted fakes build on.

Real HTTP (chunked streaming, keep-alive) on 127.0.0.1 and a free port, so the real clients
(``openai``, ``ollama``, httpx, urllib) run unmodified. Every request is recorded; a client
that hangs up mid-stream is noticed (``aborted``), so tests can check a stream was closed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from tests.fakes.replies import Reply


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The parsed JSON body (None when there was none)."""
    at: float = 0.0
    """When it arrived (``time.monotonic()``)."""


class ClientGone(Exception):
    """The client closed the connection while the server was still sending."""


class HungUp(Exception):
    """The server hung up on purpose (an injected fault)."""


class Exchange:
    """One request being answered: helpers to send JSON, or a chunked stream piece by piece."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self.handler = handler

    def json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.body(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)

    def body(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.handler.send_response(status)
        self.handler.send_header("Content-Type", content_type)
        self.handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.handler.send_header(name, value)
        self.handler.end_headers()
        self.handler.wfile.write(body)

    def reset(self) -> None:
        """Reset the connection (TCP RST): the client sees ECONNRESET, not an orderly close."""
        sock = self.handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.hang_up()

    def hang_up(self) -> None:
        """Close the connection now, mid-request or mid-stream (no terminating chunk)."""
        self.handler.close_connection = True
        with contextlib.suppress(OSError):
            self.handler.wfile.flush()
        with contextlib.suppress(OSError):
            self.handler.connection.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.handler.connection.close()
        raise HungUp()

    def text(self, status: int, text: str) -> None:
        body = text.encode()
        self.handler.send_response(status)
        self.handler.send_header("Content-Type", "text/plain; charset=utf-8")
        self.handler.send_header("Content-Length", str(len(body)))
        self.handler.end_headers()
        self.handler.wfile.write(body)

    def start_stream(self, content_type: str) -> None:
        self.handler.send_response(200)
        self.handler.send_header("Content-Type", content_type)
        self.handler.send_header("Transfer-Encoding", "chunked")
        self.handler.end_headers()

    def send(self, data: str) -> None:
        raw = data.encode()
        try:
            self.handler.wfile.write(f"{len(raw):X}\r\n".encode() + raw + b"\r\n")
            self.handler.wfile.flush()
        except OSError as exc:
            raise ClientGone() from exc

    def end_stream(self) -> None:
        try:
            self.handler.wfile.write(b"0\r\n\r\n")
            self.handler.wfile.flush()
        except OSError as exc:
            raise ClientGone() from exc


class FakeServer:
    """Base for the fakes: a queue of replies, the requests received, and a server thread."""

    def __init__(self) -> None:
        self.responder: Callable[[Any], Reply | str] | None = None
        """Answers a request body when the queue is empty (replies that depend on the task)."""
        self.stopping = threading.Event()
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.aborted = 0
        """Streams the client hung up on before the server had sent everything."""
        self.failures: list[Exception] = []
        """Exceptions raised while answering (an exhausted script, say)."""
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ----------------------------------------------------------------------------
    def enqueue(self, *replies: Reply | str) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(text=r) for r in replies)

    def next_reply(self, body: Any = None) -> Reply:
        if not self.replies and self.responder is not None:
            reply = self.responder(body)
            return reply if isinstance(reply, Reply) else Reply(text=reply)
        if not self.replies:
            raise AssertionError(f"{type(self).__name__} has no reply left for request #{len(self.requests)}")
        return self.replies.popleft()

    def hang(self) -> None:
        """Never answer (until the server stops): a server that accepted the request and stalled."""
        self.stopping.wait()

    def inject(self, reply: Reply, exchange: Exchange) -> bool:
        """Inject the faults every protocol shares; True when the request was thereby answered (or not)."""
        if reply.fault == "reset":
            exchange.reset()
        if reply.fault == "close":
            exchange.hang_up()
        if reply.fault == "hang":
            self.hang()
            exchange.hang_up()
        return False

    def posted(self, path_suffix: str) -> list[Any]:
        """The JSON bodies of the requests sent to paths ending in ``path_suffix``."""
        return [r.body for r in self.requests if r.method == "POST" and r.path.endswith(path_suffix)]

    # -- serving --------------------------------------------------------------------------------
    def handle(self, method: str, path: str, body: Any, exchange: Exchange) -> None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        assert self._httpd is not None, "the server is not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_HEAD(self) -> None:
                self._serve("HEAD")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                fake.requests.append(
                    Recorded(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                )
                try:
                    fake.handle(method, self.path.split("?")[0], body, Exchange(self))
                except ClientGone:
                    fake.aborted += 1
                    self.close_connection = True
                except HungUp:
                    self.close_connection = True
                except Exception as exc:  # a script mistake: answer 500 and keep it for the test to see
                    fake.failures.append(exc)
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        Exchange(self).json(500, {"error": f"fake server failure: {exc}"})

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    """Threaded, and silent when a client hangs up (tests do that on purpose)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), max(1, size))]


def pause(seconds: float) -> None:
    if seconds:
        time.sleep(seconds)
