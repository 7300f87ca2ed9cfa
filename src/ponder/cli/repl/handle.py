"""Build the agent in a background thread, so the prompt shows before LlamaIndex is imported.

Importing LlamaIndex costs over a second and loading an embedded model several more; the
user can type meanwhile. The first turn waits for the build (Ctrl-C still works) and a
failed build is reported then, with its fix, instead of ending the session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ponder.agents.agent import Agent


class AgentHandle:
    """An agent that may still be being built: ``get()`` waits for it or raises why it failed."""

    def __init__(self, build: Callable[[], Agent], *, on_done: Callable[[], None] | None = None) -> None:
        self._build = build
        self._on_done = on_done
        self._done = threading.Event()
        self._agent: Agent | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._replaced = False

    def start(self) -> None:
        """Start building (once); later calls, or calls after ``replace``, do nothing."""
        if self._thread is None and not self._replaced:
            self._thread = threading.Thread(target=self._run, name="ponder-agent-build", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._agent = self._build()
        except BaseException as exc:  # reported to the user on the next turn, never lost
            self._error = exc
        finally:
            self._done.set()
            if self._on_done is not None:
                self._on_done()

    @property
    def thread(self) -> threading.Thread | None:
        """The building thread (None before ``start``)."""
        return self._thread

    @property
    def status(self) -> str:
        """``idle``, ``loading``, ``ready`` or ``failed``."""
        if self._thread is None and not self._replaced:
            return "idle"
        if not self._done.is_set():
            return "loading"
        return "ready" if self._agent is not None else "failed"

    @property
    def agent(self) -> Agent | None:
        """The agent if it is built, without waiting."""
        return self._agent if self._done.is_set() else None

    @property
    def error(self) -> BaseException | None:
        return self._error if self._done.is_set() else None

    def get(self) -> Agent:
        """Wait for the build (starting it if needed); raise the build's error if it failed."""
        self.start()
        while not self._done.wait(0.1):  # short waits keep Ctrl-C responsive
            pass
        if self._agent is None:
            assert self._error is not None
            raise self._error
        return self._agent

    def replace(self, agent: Agent) -> None:
        """Use ``agent`` from now on (after a rebuild that fixed a failed one)."""
        self._agent = agent
        self._error = None
        self._done.set()
        self._replaced = True
