"""Ponder's log lines on stderr: the level the CLI's flags or ``PONDER_LOG_LEVEL`` ask for, secrets masked.

The library only logs (``logging.getLogger(__name__)`` under ``ponder.*``; a ``NullHandler`` on
``ponder``); the CLI calls ``configure_logging`` once. Log lines go to stderr, never into a
command's results on stdout: through rich on a terminal, plain text otherwise. Every line passes
through ``RedactingFilter`` (add it to your own handlers to get the same in an application).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import IO

from ponder.errors import ConfigError

LEVEL_ENV = "PONDER_LOG_LEVEL"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL}
THIRD_PARTY_INFO = ("openai._base_client",)
"""Other libraries' loggers worth reading at -v: the OpenAI SDK says there when it retries a request."""
_MARK = "_ponder_cli_handler"


def resolve_level(verbose: int = 0, quiet: bool = False, environ: dict[str, str] | None = None) -> int:
    """``--quiet``: errors only; ``-v``: info; ``-vv``: debug; else ``PONDER_LOG_LEVEL``; else warnings."""
    if quiet:
        return logging.ERROR
    if verbose >= 2:
        return logging.DEBUG
    if verbose == 1:
        return logging.INFO
    raw = (os.environ if environ is None else environ).get(LEVEL_ENV, "").strip().lower()
    if not raw:
        return logging.WARNING
    if raw in LEVELS:
        return LEVELS[raw]
    if raw == "warn":
        return logging.WARNING
    raise ConfigError(
        f"{LEVEL_ENV}={raw!r} is not a log level",
        fix=f"set {LEVEL_ENV} to one of {', '.join(LEVELS)} (or use -v, -vv, --quiet)",
    )


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message (its arguments merged in) with ``ponder.redact`` or the run records' redactor."""

    def filter(self, record: logging.LogRecord) -> bool:
        from ponder.telemetry.redaction import redactor

        redact = redactor()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (tests and pagers swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def configure_logging(level: int, *, rich: bool | None = None) -> logging.Handler:
    """Send log records to stderr: Ponder's at ``level``, other libraries' warnings and errors.

    Replaces the handler an earlier call installed (calling it twice does not print lines twice).
    ``rich``: default, when stderr is a terminal.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    use_rich = sys.stderr.isatty() if rich is None else rich
    handler: logging.Handler
    if use_rich:
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(console=Console(stderr=True), show_time=False, show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    setattr(handler, _MARK, True)
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    # Ponder's records reach this handler at Ponder's level whatever the root's level is (propagation
    # checks no ancestor's level): the root keeps other libraries at warnings (errors with --quiet).
    others = logging.ERROR if level >= logging.ERROR else logging.WARNING
    root.setLevel(others)
    logging.getLogger("ponder").setLevel(level)
    for name in THIRD_PARTY_INFO:
        logging.getLogger(name).setLevel(logging.INFO if level <= logging.INFO else others)
    return handler
