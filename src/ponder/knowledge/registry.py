"""Finding knowledge bases by name: ``[knowledge.NAME]`` tables in ponder.toml, then indexes under ``.ponder/index``.

A base that was indexed with ``ponder index PATH --name NAME`` but never configured is still
found by name (its ``base.json`` says where its files came from), so the CLI works without any
config; configuring it adds a description, other paths or retrieval settings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.knowledge.errors import KnowledgeBaseNotFound
from ponder.knowledge.manifest import BASE_FILE, IndexSettings
from ponder.knowledge.retrieval import RetrievalOptions

if TYPE_CHECKING:
    from ponder.config import KnowledgeConfig, PonderConfig

INDEX_ROOT = Path(".ponder") / "index"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class KnowledgeSpec:
    """Where a base's index lives, what it indexes and how it is searched."""

    name: str
    index_dir: Path
    paths: list[Path] = field(default_factory=list)
    description: str | None = None
    settings: IndexSettings = field(default_factory=IndexSettings)
    options: RetrievalOptions = field(default_factory=RetrievalOptions)
    exclude: list[str] = field(default_factory=list)
    configured: bool = False
    """True when the base comes from a ``[knowledge.NAME]`` table (its settings then win over the index's)."""


def check_name(name: str) -> str:
    from ponder.errors import InputError

    if not _NAME.match(name):
        raise InputError(
            f"'{name}' cannot name a knowledge base",
            fix="use letters, digits, '-', '_' or '.', starting with a letter or digit",
        )
    return name


def name_for(path: Path) -> str:
    """A default name from a folder: ``docs/knowledge-base`` → ``knowledge-base``."""
    resolved = path.expanduser().resolve()
    stem = resolved.stem if resolved.is_file() else resolved.name
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "default"
    return slug if slug[0].isalnum() else f"kb{slug}"


def from_config(name: str, cfg: KnowledgeConfig, cwd: Path) -> KnowledgeSpec:
    index_dir = _resolve(cfg.index_dir, cwd) if cfg.index_dir else cwd / INDEX_ROOT / name
    return KnowledgeSpec(
        name=name,
        index_dir=index_dir,
        paths=[_resolve(p, cwd) for p in cfg.paths],
        description=cfg.description,
        settings=IndexSettings(
            chunk_size=cfg.chunk_size,
            chunk_overlap=cfg.chunk_overlap,
            retrieval=cfg.retrieval,
            embed_model=cfg.embed_model,
        ),
        options=RetrievalOptions(top_k=cfg.top_k, min_coverage=cfg.min_coverage, min_similarity=cfg.min_similarity),
        exclude=list(cfg.exclude),
        configured=True,
    )


def from_index(name: str, index_dir: Path) -> KnowledgeSpec | None:
    """A spec read back from an index's ``base.json``, or None if there is no readable one."""
    try:
        raw = json.loads((index_dir / BASE_FILE).read_text(encoding="utf-8"))
        settings = IndexSettings.model_validate(raw["settings"])
        return KnowledgeSpec(
            name=name,
            index_dir=index_dir,
            paths=[Path(p) for p in raw.get("roots", [])],
            description=raw.get("description"),
            settings=settings,
            exclude=list(raw.get("exclude", [])),
        )
    except Exception:  # unreadable: the caller reports the base as not found or corrupt
        return None


def find_spec(name: str, *, config: PonderConfig | None = None, cwd: Path | None = None) -> KnowledgeSpec:
    """The base called ``name``; raises ``KnowledgeBaseNotFound`` listing the names that exist."""
    cwd = cwd or Path.cwd()
    config = config if config is not None else _load_config(cwd)
    if name in config.knowledge:
        return from_config(name, config.knowledge[name], cwd)
    index_dir = cwd / INDEX_ROOT / name
    if (index_dir / BASE_FILE).is_file():
        spec = from_index(name, index_dir)
        # An index whose base.json cannot be read is still "found": searching it raises IndexUnusable.
        return spec or KnowledgeSpec(name=name, index_dir=index_dir)
    known = [s.name for s in list_specs(config=config, cwd=cwd)]
    raise KnowledgeBaseNotFound(
        f"no knowledge base named '{name}'" + (f" (known: {', '.join(known)})" if known else ""),
        fix=f"index one with `ponder index PATH --name {name}`, or add [knowledge.{name}] with paths to ponder.toml",
    )


def list_specs(*, config: PonderConfig | None = None, cwd: Path | None = None) -> list[KnowledgeSpec]:
    """Configured bases, then indexed ones that are not configured, by name."""
    cwd = cwd or Path.cwd()
    config = config if config is not None else _load_config(cwd)
    specs = {name: from_config(name, cfg, cwd) for name, cfg in config.knowledge.items()}
    root = cwd / INDEX_ROOT
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if folder.name in specs or folder.name.startswith(".") or not (folder / BASE_FILE).is_file():
                continue
            specs[folder.name] = from_index(folder.name, folder) or KnowledgeSpec(name=folder.name, index_dir=folder)
    return [specs[name] for name in sorted(specs)]


def _resolve(path: str, cwd: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else cwd / p


def _load_config(cwd: Path) -> PonderConfig:
    from ponder.config import load_config

    return load_config(cwd)
