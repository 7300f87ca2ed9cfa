"""Prompt templates, kept as files in this package and overridable from a user folder.

``load("system")`` reads ``system.md`` from the override folder when it holds one (set with
``prompts_dir`` in ``ponder.toml`` or ``PONDER_PROMPTS_DIR``), else from the package.
Templates use ``str.format`` fields such as ``{tools}``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ponder.errors import ConfigError

NAMES = ("system", "text_protocol", "final_answer", "repeated_call", "unknown_tool", "parse_error", "bad_arguments")


def load(name: str, override_dir: Path | str | None = None) -> str:
    folder = override_dir or os.environ.get("PONDER_PROMPTS_DIR")
    if folder:
        candidate = Path(folder).expanduser() / f"{name}.md"
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8").strip()
        if not Path(folder).expanduser().is_dir():
            raise ConfigError(f"prompts folder {folder} does not exist", fix="fix prompts_dir in ponder.toml or PONDER_PROMPTS_DIR")
    return _packaged(name)


@lru_cache(maxsize=None)
def _packaged(name: str) -> str:
    if name not in NAMES:
        raise KeyError(f"no prompt named {name!r}; known: {', '.join(NAMES)}")
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8").strip()


def render(template: str, override_dir: Path | str | None = None, /, **fields: object) -> str:
    return load(template, override_dir).format(**fields)
