"""Running the app under uvicorn: in the foreground (``ponder serve``) or in a thread (tests, benchmarks, apps).

Shutdown drains first: new runs get 503, in-flight runs get ``shutdown_grace`` seconds to finish
and are then cancelled, paused runs are already on disk. Only then does uvicorn close the
connections. sse-starlette's own drain (which would cut every stream at once) is turned off.
"""

from __future__ import annotations

import asyncio
import copy
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette

from ponder.serve.runs import RunManager


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, runs: RunManager, grace: float) -> None:
        super().__init__(config)
        self._runs = runs
        self._grace = grace

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        draining = asyncio.ensure_future(self._runs.drain(self._grace))
        while not draining.done() and not self.force_exit:  # a second Ctrl-C stops waiting
            await asyncio.sleep(0.05)
        if not draining.done():
            self._runs.cancel_all()
            draining.cancel()
        await super().shutdown(sockets)


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with Ponder's server log through the same handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["ponder.serve"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def make_server(app: Starlette, *, host: str, port: int, access_log: bool = True) -> DrainingServer:
    from sse_starlette.sse import AppStatus

    AppStatus.disable_automatic_graceful_drain()
    runs: RunManager = app.state.ponder.runs
    grace = runs.settings.shutdown_grace
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=log_config(),
        access_log=access_log,
        server_header=False,
        timeout_graceful_shutdown=int(grace) + 15,
        timeout_keep_alive=30,
    )
    return DrainingServer(config, runs, grace)


def serve(app: Starlette, *, host: str, port: int, access_log: bool = True) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM (then drain)."""
    make_server(app, host=host, port=port, access_log=access_log).run()


class ServerThread:
    """``with ServerThread(app) as base_url:`` serves ``app`` on 127.0.0.1 in a thread, then drains and stops."""

    def __init__(self, app: Starlette, *, port: int = 0, access_log: bool = False) -> None:
        self.port = port or free_port()
        self.server = make_server(app, host="127.0.0.1", port=self.port, access_log=access_log)
        self._thread = threading.Thread(target=self.server.run, name="ponder-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(60)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
