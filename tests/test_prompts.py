"""Prompts are files in the package, overridable from a user folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder import prompts
from ponder.errors import ConfigError


def test_packaged_prompts_load() -> None:
    assert "tool" in prompts.load("system").lower()


def test_a_user_folder_overrides_one_prompt_and_keeps_the_others(tmp_path: Path) -> None:
    (tmp_path / "system.md").write_text("You are a pirate.")
    assert prompts.load("system", tmp_path) == "You are a pirate."
    assert prompts.load("final_answer", tmp_path) == prompts.load("final_answer")


def test_the_override_folder_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "system.md").write_text("Env prompt.")
    monkeypatch.setenv("PONDER_PROMPTS_DIR", str(tmp_path))
    assert prompts.load("system") == "Env prompt."


def test_a_missing_override_folder_is_a_config_error_naming_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="prompts folder"):
        prompts.load("system", tmp_path / "nope")


def test_an_agent_uses_the_overridden_prompt(tmp_path: Path) -> None:
    from ponder.agents.agent import Agent
    from ponder.backends.scripted import ScriptedBackend

    (tmp_path / "system.md").write_text("Custom system prompt.")
    backend = ScriptedBackend(["hi"])
    Agent(backend, prompts_dir=tmp_path).run("hello")
    assert backend.requests[0].messages[0].content == "Custom system prompt."
