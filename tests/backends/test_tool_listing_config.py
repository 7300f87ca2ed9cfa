"""``[local] tool_listing`` in ponder.toml reaches the embedded model's backend; a typo is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.cli.common import backend_options
from ponder.config import PonderConfig, load_file
from ponder.errors import ConfigError


def test_the_json_listing_is_the_default() -> None:
    assert backend_options("local:qwen2.5-coder-1.5b", PonderConfig())["tool_listing"] == "json"


def test_signature_listing_is_chosen_in_ponder_toml(tmp_path: Path) -> None:
    path = tmp_path / "ponder.toml"
    path.write_text('[local]\ntool_listing = "signature"\n')
    assert backend_options("local:qwen2.5-coder-1.5b", load_file(path))["tool_listing"] == "signature"
    assert "tool_listing" not in backend_options("openai:gpt-4o-mini", load_file(path))


def test_an_unknown_listing_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "ponder.toml"
    path.write_text('[local]\ntool_listing = "yaml"\n')
    with pytest.raises(ConfigError, match="tool_listing"):
        load_file(path)
