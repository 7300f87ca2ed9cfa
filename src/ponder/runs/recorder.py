"""``RunRecorder``: consumes a run's events and appends them to its record under ``.ponder/runs/``.

Each line goes to the file in one ``write`` on a descriptor opened with ``O_APPEND`` (under a
lock, for runs whose events arrive from several threads), so a reader never sees half of a
line unless the process died while writing it; readers drop such a last line. A step's streamed
text is kept as one ``TextDelta`` line instead of hundreds. Every string passes through the
redaction hook before it is written: secrets never reach the disk.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from ponder.agents import events as ev
from ponder.runs.format import Redactor, RunHeader, Source, dumps, event_line, redacted
from ponder.runs.retention import Retention, prune

DEFAULT_RUNS_DIR = Path(".ponder") / "runs"


def new_run_id(now: float | None = None) -> str:
    """``20250131-142501-042-3fa9c2``: sorts by start time (to the millisecond); the random tail
    tells apart runs of the same millisecond and is enough for ``ponder runs show``."""
    now = time.time() if now is None else now
    return f"{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}-{int(now * 1000) % 1000:03d}-{secrets.token_hex(3)}"


class RunRecorder:
    """Records one run (and, fed a further ``RunStarted`` after ``RunFinished``, the next one in a new file).

    ``model`` and ``task`` default to what the run's ``RunStarted`` says. Give each concurrent
    run its own recorder. ``redact`` defaults to :func:`default_redactor`.
    """

    def __init__(
        self,
        directory: Path = DEFAULT_RUNS_DIR,
        *,
        source: Source = "run",
        model: str = "",
        task: str = "",
        spec_fingerprint: str | None = None,
        redact: Redactor | None = None,
        retention: Retention | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.source = source
        self.model = model
        self.task = task
        self.spec_fingerprint = spec_fingerprint
        self.redact = redact or default_redactor()
        self.retention = retention if retention is not None else Retention()
        self.run_id: str | None = None
        self.path: Path | None = None
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._started = 0.0
        self._finished = False
        self._pending: tuple[int, float, list[str]] | None = None
        """A step's streamed text not written yet: (step, t of its first delta, the pieces)."""

    # -- consuming events ----------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        with self._lock:
            if self._fd is None or (self._finished and isinstance(event, ev.RunStarted)):
                self._open(event)
            t = time.monotonic() - self._started
            if isinstance(event, ev.TextDelta):
                if self._pending is not None and self._pending[0] != event.step:
                    self._flush_text()
                if self._pending is None:
                    self._pending = (event.step, t, [])
                self._pending[2].append(event.text)
                return
            self._flush_text()
            self._write(event_line(event, t))
            if isinstance(event, ev.RunFinished):
                self._finished = True
                self._sync()

    def record(self, events: Iterable[ev.Event]) -> Iterator[ev.Event]:
        """Pass ``events`` through, recording each one; the record is closed when they end."""
        try:
            for event in events:
                self(event)
                yield event
        finally:
            self.close()

    def close(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            self._flush_text()
            self._sync()
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- the file ------------------------------------------------------------------------------
    def _open(self, first: ev.Event) -> None:
        if self._fd is not None:
            self._flush_text()
            os.close(self._fd)
        now = time.time()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.run_id = new_run_id(now)
        self.path = self.directory / f"{self.run_id}.jsonl"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._started = time.monotonic()
        self._finished = False
        begun = first if isinstance(first, ev.RunStarted) else None
        header = RunHeader(
            run_id=self.run_id,
            started=time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(now)),
            model=self.model or (begun.model if begun else ""),
            spec_fingerprint=self.spec_fingerprint,
            task=begun.task if begun else self.task,
            source=self.source,
        )
        self._write(header.model_dump(mode="json"))
        if self.retention.active:
            prune(self.directory, self.retention, keep_path=self.path)

    def _flush_text(self) -> None:
        if self._pending is None:
            return
        step, t, pieces = self._pending
        self._pending = None
        self._write({"type": "TextDelta", "t": round(t, 4), "step": step, "text": "".join(pieces)})

    def _write(self, data: dict[str, Any]) -> None:
        assert self._fd is not None
        os.write(self._fd, dumps(redacted(data, self.redact)))

    def _sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)


# -- redaction -----------------------------------------------------------------------------------
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_KEY_SHAPES = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9\-]{10,})\b")


def default_redactor() -> Redactor:
    """``ponder.redact``'s ``redact`` when installed, else a fallback that masks secret-named
    environment variables' values and well-known key shapes (OpenAI, GitHub, AWS, Slack)."""
    import importlib

    try:
        hook = getattr(importlib.import_module("ponder.redact"), "redact", None)
    except ImportError:
        hook = None
    return hook if callable(hook) else env_secrets_redactor()


def env_secrets_redactor(environ: dict[str, str] | None = None) -> Redactor:
    env = os.environ if environ is None else environ
    values = sorted(
        ((name, value) for name, value in env.items() if _SECRET_NAME.search(name) and len(value) >= 8),
        key=lambda item: -len(item[1]),
    )

    def redact(text: str) -> str:
        for name, value in values:
            if value in text:
                text = text.replace(value, f"[redacted:{name}]")
        return _KEY_SHAPES.sub("[redacted]", text)

    return redact
