"""What an index folder holds and how to tell a good one from a corrupt or outdated one.

An index folder has a small ``base.json`` (name, roots, settings, counts, format version: read
when listing bases and building tools, so it stays small), ``files.json`` (size, mtime and hash of
every indexed file: read only when re-indexing, to skip unchanged files), the LlamaIndex docstore
under ``storage/`` (plus the vector store when embeddings are used) and the BM25 index under ``bm25/``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ponder.files import atomic_write
from ponder.knowledge.errors import IndexUnusable

FORMAT = "ponder-knowledge"
FORMAT_VERSION = 1
BASE_FILE = "base.json"
FILES_FILE = "files.json"
STORAGE_DIR = "storage"
BM25_DIR = "bm25"

Retrieval = Literal["bm25", "vector", "hybrid"]


class IndexSettings(BaseModel):
    """What decides the passages and their vectors: changing any of these rebuilds the index."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    chunk_size: int = 256
    chunk_overlap: int = 32
    retrieval: Retrieval = "bm25"
    embed_model: str | None = None

    @property
    def uses_bm25(self) -> bool:
        return self.retrieval in ("bm25", "hybrid")

    @property
    def uses_vectors(self) -> bool:
        return self.retrieval in ("vector", "hybrid")


class BaseInfo(BaseModel):
    """``base.json``: the facts about one knowledge base that do not grow with its size."""

    model_config = ConfigDict(extra="ignore")
    format: str = FORMAT
    version: int = FORMAT_VERSION
    name: str
    description: str | None = None
    roots: list[str]
    base_dir: str
    exclude: list[str] = []
    settings: IndexSettings
    files: int
    passages: int
    indexed_at: str


class FileRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int
    mtime_ns: int
    digest: str
    passages: int


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def load_info(index_dir: Path, name: str) -> BaseInfo:
    """The base's ``base.json``; raises ``IndexUnusable`` (naming ``--rebuild``) if it is corrupt or outdated."""
    path = index_dir / BASE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexUnusable(f"knowledge base '{name}' has no index at {index_dir}", name=name) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexUnusable(f"the index of knowledge base '{name}' is corrupt ({path}: {exc})", name=name) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise IndexUnusable(f"{index_dir} does not hold a Ponder knowledge index", name=name)
    if raw.get("version") != FORMAT_VERSION:
        raise IndexUnusable(
            f"the index of knowledge base '{name}' has format version {raw.get('version')}, "
            f"this Ponder reads version {FORMAT_VERSION}",
            name=name,
        )
    try:
        return BaseInfo.model_validate(raw)
    except ValidationError as exc:
        raise IndexUnusable(f"the index of knowledge base '{name}' is corrupt ({path}: {exc.errors()[0]['msg']})", name=name) from None


def load_files(index_dir: Path, name: str) -> dict[str, FileRecord]:
    path = index_dir / FILES_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {key: FileRecord.model_validate(value) for key, value in raw.items()}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError, AttributeError) as exc:
        raise IndexUnusable(f"the index of knowledge base '{name}' is corrupt ({path}: {exc})", name=name) from None


def write_json(path: Path, data: object) -> None:
    """Write through a temporary file so a crash never leaves half a file behind."""
    atomic_write(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def save_files(index_dir: Path, records: dict[str, FileRecord]) -> None:
    write_json(index_dir / FILES_FILE, {key: rec.model_dump() for key, rec in sorted(records.items())})


def save_info(index_dir: Path, info: BaseInfo) -> None:
    write_json(index_dir / BASE_FILE, info.model_dump(mode="json"))
