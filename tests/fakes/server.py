"""A threaded loopback HTTP/1.1 server that scripted fakes build on.

Real HTTP (chunked streaming, keep-alive) on 127.0.0.1 and a free port, so the real clients
(``openai``, ``ollama``, httpx, urllib) run unmodified. Every request is recorded; a client
that hangs up mid-stream is noticed (``aborted``), so tests can check a stream was closed.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections import deque
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


class ClientGone(Exception):
    """The client closed the connection while the server was still sending."""


class Exchange:
    """One request being answered: helpers to send JSON, or a chunked stream piece by piece."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self.handler = handler

    def json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.handler.send_response(status)
        self.handler.send_header("Content-Type", "application/json; charset=utf-8")
        self.handler.send_header("Content-Length", str(len(body)))
        self.handler.end_headers()
        self.handler.wfile.write(body)

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

    def next_reply(self) -> Reply:
        if not self.replies:
            raise AssertionError(f"{type(self).__name__} has no reply left for request #{len(self.requests)}")
        return self.replies.popleft()

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
                    Recorded(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                try:
                    fake.handle(method, self.path.split("?")[0], body, Exchange(self))
                except ClientGone:
                    fake.aborted += 1
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
