"""Prompt templates, kept as files in this package and overridable from a user folder.

``load("system")`` reads ``system.md`` from the override folder when it holds one (set with
``prompts_dir`` in ``ponder.toml`` or ``PONDER_PROMPTS_DIR``), else from the package.
Templates use ``str.format`` fields such as ``{tools}``.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

from ponder.errors import ConfigError


def load(name: str, override_dir: Path | str | None = None) -> str:
    folder = override_dir or os.environ.get("PONDER_PROMPTS_DIR")
    if folder:
        candidate = Path(folder).expanduser() / f"{name}.md"
        if candidate.is_file():
            try:
                return candidate.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read the prompt file {candidate}: {exc}", fix="write it as UTF-8 text, or remove it to use Ponder's own") from None
        if not Path(folder).expanduser().is_dir():
            raise ConfigError(f"prompts folder {folder} does not exist", fix="fix prompts_dir in ponder.toml or PONDER_PROMPTS_DIR")
    return _packaged(name)


@cache
def _packaged(name: str) -> str:
    path = resources.files(__package__).joinpath(f"{name}.md")
    if not path.is_file():
        raise KeyError(f"no prompt named {name!r} in ponder/prompts")
    return path.read_text(encoding="utf-8").strip()


def render(template: str, override_dir: Path | str | None = None, /, **fields: object) -> str:
    text = load(template, override_dir)
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        folder = override_dir or os.environ.get("PONDER_PROMPTS_DIR") or "ponder/prompts"
        names = ", ".join("{" + f + "}" for f in fields) or "none"
        raise ConfigError(
            f"the prompt file {Path(folder) / (template + '.md')} cannot be filled in ({type(exc).__name__}: {exc})",
            fix=f"use only the fields {names}, and write literal braces as {{{{ and }}}}",
        ) from None
