"""Fixtures for the tool tests: settings rooted in a temp folder, and a loopback web server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ponder.tools.settings import ToolSettings

Route = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture
def settings(tmp_path: Path) -> ToolSettings:
    root = tmp_path / "root"
    root.mkdir()
    return ToolSettings(file_roots=(root,), python_timeout=5, shell_timeout=5, fetch_timeout=3, search_timeout=3)


class Site:
    """A real HTTP server on 127.0.0.1 whose pages are functions of the request handler."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        """Every path requested, in order: a refused fetch leaves none."""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                site.hits.append(self.path)
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404, "Not Found")
                else:
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
        self.server = server_class((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, path: str, body: bytes | str, *, content_type: str = "text/html; charset=utf-8", delay: float = 0) -> None:
        data = body.encode() if isinstance(body, str) else body

        def route(handler: BaseHTTPRequestHandler) -> None:
            if delay:
                time.sleep(delay)
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)

        self.routes[path] = route

    def redirect(self, path: str, location: str) -> None:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = route

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()
