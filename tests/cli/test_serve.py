"""``ponder serve``: which agents it serves, and how it refuses bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.cli.main import build_parser, main
from ponder.cli.serve import served_specs

TOML = """
[agent]
model = "scripted:echo"
tools = []

[agents.helper]
system_prompt = "You help."

[agents.coder]
tools = ["calculator"]
"""


def specs(*argv: str) -> list[tuple[str | None, str | None]]:
    args = build_parser("serve").parse_args(["serve", *argv])
    return [(s.name, s.model) for s in served_specs(args)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "ponder.toml").write_text(TOML)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_with_no_flags_every_named_agent_is_served(project: Path) -> None:
    assert specs() == [("helper", "scripted:echo"), ("coder", "scripted:echo")]


def test_agent_names_one_and_flags_override_it(project: Path) -> None:
    assert specs("--agent", "coder") == [("coder", "scripted:echo")]
    assert specs("--model", "scripted:other.json") == [(None, "scripted:other.json")]


def test_an_unknown_agent_is_a_config_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--agent", "nobody", "--port", "0"]) == 3
    assert "no agent named 'nobody'" in capsys.readouterr().err


def test_a_bad_flag_value_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", "scripted:echo", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert "--port" in err and "Traceback" not in err
