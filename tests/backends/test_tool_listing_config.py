"""``[local] tool_listing`` in ponder.toml reaches the embedded model's backend; a typo is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.agents.spec import AgentSpec
from ponder.config import load_file
from ponder.errors import ConfigError


def test_the_json_listing_is_the_default() -> None:
    assert AgentSpec().backend_options("local:qwen2.5-coder-1.5b")["tool_listing"] == "json"


def test_signature_listing_is_chosen_in_ponder_toml(tmp_path: Path) -> None:
    path = tmp_path / "ponder.toml"
    path.write_text('[local]\ntool_listing = "signature"\n')
    spec = AgentSpec.from_config(load_file(path))
    assert spec.backend_options("local:qwen2.5-coder-1.5b")["tool_listing"] == "signature"
    assert "tool_listing" not in spec.backend_options("openai:gpt-4o-mini")


def test_an_unknown_listing_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "ponder.toml"
    path.write_text('[local]\ntool_listing = "yaml"\n')
    with pytest.raises(ConfigError, match="tool_listing"):
        AgentSpec.from_config(load_file(path))
