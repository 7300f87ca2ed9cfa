"""Run llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``) on 127.0.0.1.

Real HTTP, a real model, the server's own chat handling: what the ``openai:`` backend meets
in the wild. ``with LlamaServer(gguf) as server:`` starts it on a free port, waits until
``/v1/models`` answers (the model is loaded by then) and stops it at the end, terminate then
kill. A server that dies or never answers raises ``ServerFailed`` with the tail of its log.

The tests start it to exercise the ``openai:`` backend for real, and the BFCL benchmark to run
the stock ``FunctionAgent`` on the embedded model; a user can do the same to serve a GGUF to
any OpenAI client. Needs ``pip install 'ponder[server]'``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Self

SERVER_MODULES = (
    "llama_cpp",
    "fastapi",
    "uvicorn",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
)
"""What ``python -m llama_cpp.server`` imports (llama-cpp-python's ``server`` extra)."""
INSTALL = "pip install 'llama-cpp-python[server]'"


class ServerFailed(RuntimeError):
    """The server exited, or did not answer in time; the message ends with its log's tail."""


def missing_modules() -> list[str]:
    """The server's modules that are not installed (checked without importing them: that costs seconds)."""
    return [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """One ``llama_cpp.server`` process serving one GGUF, for the length of a ``with`` block."""

    def __init__(
        self,
        model: Path,
        *,
        chat_format: str | None = None,
        alias: str = "qwen2.5-coder-1.5b",
        n_ctx: int = 4096,
        n_threads: int | None = None,
        startup_timeout: float = 300.0,
    ) -> None:
        self.model = model
        self.chat_format = chat_format
        """None: the GGUF's own chat template; e.g. ``chatml-function-calling`` for structured tool calls."""
        self.alias = alias
        """The model name ``/v1/models`` lists (the server answers whatever name a request gives)."""
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 2
        """The server's default is half the cores; the in-process ``local:`` backend uses all of them."""
        self.startup_timeout = startup_timeout
        """Loading 1.1 GB on a busy 2-core machine can take a minute; give it room."""
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._last_tail = ""

    @property
    def base_url(self) -> str:
        """What ``OPENAI_BASE_URL`` should be."""
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model)]
        command += ["--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--n_ctx", str(self.n_ctx), "--n_threads", str(self.n_threads)]
        command += ["--n_threads_batch", str(self.n_threads)]
        if self.chat_format:
            command += ["--chat_format", self.chat_format]
        return command

    def start(self) -> Self:
        missing = missing_modules()
        if missing:
            raise ServerFailed(f"llama_cpp.server needs {', '.join(missing)}: {INSTALL}")
        self.port = free_port()
        # A file, not a pipe (a full pipe would stall the server); closed by stop().
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        started = time.monotonic()
        while not self._answers():
            if self._process.poll() is not None:
                code = self._process.returncode
                self.stop()
                raise ServerFailed(f"llama_cpp.server exited with code {code} while starting{self._tail()}")
            if time.monotonic() - started > self.startup_timeout:
                self.stop()
                raise ServerFailed(
                    f"llama_cpp.server did not answer {self.base_url}/models within "
                    f"{self.startup_timeout:g}s{self._tail()}"
                )
            time.sleep(0.25)
        return self

    def stop(self) -> None:
        """Terminate, then kill if it lingers. Safe to call twice."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._last_tail = self.log_tail()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server wrote (llama.cpp's load messages and timings, uvicorn's requests)."""
        if self._log is None:
            return self._last_tail
        self._log.flush()
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        self._log.seek(0, os.SEEK_END)
        return "\n".join(text.splitlines()[-lines:])

    def _tail(self) -> str:
        tail = self.log_tail()
        return f"; its last output:\n{tail}" if tail else " (it wrote nothing)"

    def _answers(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        try:
            with opener.open(f"{self.base_url}/models", timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child: be killed when the parent dies, so a killed test run leaves no 1 GB server behind.

    SIGKILL, not SIGTERM: on SIGTERM uvicorn waits for the request in progress, and an orphaned
    generation can run for minutes. Linux only (prctl PR_SET_PDEATHSIG). It fires when the thread
    that started the server ends, so start servers from the main thread.
    """
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
