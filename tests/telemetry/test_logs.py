"""Ponder's log lines: the level the user asked for, on stderr, secrets masked; nothing unless configured."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from ponder.errors import ConfigError
from ponder.telemetry.logs import configure_logging, resolve_level


@pytest.fixture
def logs() -> Iterator[None]:
    """Leave the logging configuration as it was (configure_logging changes process-wide state)."""
    root, ponder = logging.getLogger(), logging.getLogger("ponder")
    handlers, root_level, ponder_level = list(root.handlers), root.level, ponder.level
    yield
    root.handlers[:] = handlers
    root.setLevel(root_level)
    ponder.setLevel(ponder_level)


@pytest.mark.parametrize(
    ("verbose", "quiet", "env", "level"),
    [
        (0, False, {}, logging.WARNING),
        (1, False, {}, logging.INFO),
        (2, False, {}, logging.DEBUG),
        (0, True, {}, logging.ERROR),
        (0, False, {"PONDER_LOG_LEVEL": "debug"}, logging.DEBUG),
        (0, False, {"PONDER_LOG_LEVEL": "INFO"}, logging.INFO),
        (1, False, {"PONDER_LOG_LEVEL": "error"}, logging.INFO),
        (0, True, {"PONDER_LOG_LEVEL": "debug"}, logging.ERROR),
    ],
)
def test_flags_win_over_the_environment_which_wins_over_the_default(
    verbose: int, quiet: bool, env: dict[str, str], level: int
) -> None:
    assert resolve_level(verbose, quiet, env) == level


def test_an_unknown_level_in_the_environment_names_the_levels_to_use() -> None:
    with pytest.raises(ConfigError, match="PONDER_LOG_LEVEL='loud' is not a log level") as caught:
        resolve_level(0, False, {"PONDER_LOG_LEVEL": "loud"})
    assert "debug, info, warning, error" in caught.value.fix


def test_ponder_lines_go_to_stderr_at_the_chosen_level(logs: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(logging.INFO, rich=False)
    logging.getLogger("ponder.backends.local.backend").info("loaded %s in %.1fs", "model.gguf", 2.5)
    logging.getLogger("ponder.evals.cache").debug("response cache hit")
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "INFO ponder.backends.local.backend: loaded model.gguf in 2.5s\n"


def test_other_libraries_log_only_warnings_even_when_ponder_logs_debug(logs: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(logging.DEBUG, rich=False)
    logging.getLogger("httpx").info("HTTP Request: POST http://127.0.0.1/v1/chat/completions")
    logging.getLogger("httpx").warning("connection pool is full")
    logging.getLogger("openai._base_client").info("Retrying request to /chat/completions in 0.4 seconds")
    err = capsys.readouterr().err
    assert "HTTP Request" not in err and "connection pool is full" in err
    assert "Retrying request to /chat/completions" in err  # the SDK's retries are worth reading


def test_configuring_twice_prints_each_line_once(logs: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(logging.INFO, rich=False)
    configure_logging(logging.INFO, rich=False)
    logging.getLogger("ponder.x").warning("once")
    assert capsys.readouterr().err.count("once") == 1


def test_secrets_in_log_lines_are_masked(logs: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_API_KEY", "acme-7d1f0c9b8a7e6d5c4b3a")
    configure_logging(logging.INFO, rich=False)
    logging.getLogger("ponder.tools").info("tool failed: bad key %s", "acme-7d1f0c9b8a7e6d5c4b3a")
    logging.getLogger("ponder.tools").info("the server echoed sk-abcdefghijklmnopqrstuvwx0123")
    err = capsys.readouterr().err
    assert "acme-7d1f" not in err and "tool failed: bad key [redacted]" in err
    assert "sk-abcdef" not in err and "the server echoed [redacted]" in err


def test_the_library_configures_no_handler_but_a_null_one() -> None:
    assert [type(h) for h in logging.getLogger("ponder").handlers] == [logging.NullHandler]


def test_a_library_user_who_configured_no_logging_sees_no_ponder_line(tmp_path: Path) -> None:
    code = """
        import time
        from ponder.agents.agent import Agent
        from ponder.agents.limits import Limits
        from ponder.backends.scripted import Scripted, ScriptedBackend
        from ponder.tools.base import tool

        @tool
        def slow(seconds: float) -> str:
            '''Sleep.

            Args:
                seconds: how long
            '''
            time.sleep(seconds)
            return "done"

        backend = ScriptedBackend([Scripted(tool_calls=[("slow", {"seconds": 2})]), "gave up"])
        print(Agent(backend, tools=[slow], limits=Limits(tool_timeout=0.2)).run("wait").answer)
    """
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "gave up" and out.stderr == ""  # the timeout was logged, to no handler
