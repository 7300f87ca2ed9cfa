"""`-v`, `-vv`, `--quiet` and PONDER_LOG_LEVEL: log lines on stderr, before or after the subcommand; stdout keeps the answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PONDER = str(Path(sys.executable).with_name("ponder"))
SECRET = "acme-5e4d3c2b1a09f8e7d6c5"
TOOLS = '''
import os


def explode(reason: str) -> str:
    """Always fails, quoting the service's key.

    Args:
        reason: why
    """
    raise RuntimeError(f"{reason}: key {os.environ['ACME_API_KEY']} refused")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "acme_tools.py").write_text(TOOLS)
    script = [{"tool_calls": [{"name": "explode", "arguments": {"reason": "boom"}}]}, "The tool failed."]
    (tmp_path / "script.json").write_text(json.dumps(script))
    return tmp_path


def ponder(project: Path, before: tuple[str, ...] = (), after: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess[str]:
    """``ponder [before] run ... [after]`` on the scripted model whose tool call fails."""
    path = os.pathsep.join(p for p in (str(project), os.environ.get("PYTHONPATH", "")) if p)
    run = ["run", "-m", f"scripted:{project / 'script.json'}", "--tools", "acme_tools:explode", "Try the tool"]
    return subprocess.run(
        [PONDER, *before, *run, *after], cwd=project, capture_output=True, text=True, timeout=120,
        env={**{k: v for k, v in os.environ.items() if k != "PONDER_LOG_LEVEL"}, "PYTHONPATH": path, "ACME_API_KEY": SECRET, **env},
    )  # fmt: skip


FAILED_LINE = "INFO ponder.agents.tool_runner: tool explode failed after "


def test_by_default_only_the_answer_is_printed(project: Path) -> None:
    out = ponder(project)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "The tool failed." and FAILED_LINE not in out.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_v_before_or_after_the_subcommand_logs_info_on_stderr_with_secrets_masked(project: Path, where: str) -> None:
    out = ponder(project, before=("-v",)) if where == "before" else ponder(project, after=("-v",))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "The tool failed."
    assert FAILED_LINE in out.stderr and "RuntimeError: boom: key [redacted] refused" in out.stderr
    assert SECRET not in out.stderr + out.stdout


def test_the_environment_sets_the_level_and_quiet_wins_over_it(project: Path) -> None:
    assert FAILED_LINE in ponder(project, PONDER_LOG_LEVEL="info").stderr
    assert FAILED_LINE not in ponder(project, before=("--quiet",), PONDER_LOG_LEVEL="info").stderr


def test_an_unknown_level_in_the_environment_is_a_config_error_that_names_the_levels(project: Path) -> None:
    out = ponder(project, PONDER_LOG_LEVEL="loud")
    assert out.returncode == 3 and out.stdout == ""
    assert "error: PONDER_LOG_LEVEL='loud' is not a log level" in out.stderr
    assert "fix: set PONDER_LOG_LEVEL to one of debug, info, warning, error, critical" in out.stderr
