"""Finding and reading the files of a knowledge base: Markdown, text, code, and PDF when pypdf is installed.

Light readers on purpose: a file is text if it decodes as UTF-8 and holds no NUL byte, whatever
its extension, so code in any language and extension-less files (Makefile, LICENSE) are read
without a reader per format. Anything else is skipped with a reason the CLI shows as a warning.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ponder.errors import InputError

MAX_FILE_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 8192

# Folders that are never documents: version control, virtualenvs, caches, Ponder's own index.
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv"})

# Known binary formats, skipped without being opened (reported together, not one by one).
BINARY_SUFFIXES = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".svgz", ".mp3", ".wav",
        ".flac", ".ogg", ".mp4", ".mov", ".avi", ".mkv", ".webm", ".zip", ".gz", ".tgz", ".bz2", ".xz",
        ".zst", ".7z", ".rar", ".tar", ".whl", ".egg", ".jar", ".pyc", ".pyo", ".so", ".dll", ".dylib", ".o",
        ".a", ".exe", ".bin", ".gguf", ".safetensors", ".pt", ".pth", ".onnx", ".npy", ".npz", ".pkl",
        ".pickle", ".parquet", ".feather", ".db", ".sqlite", ".sqlite3", ".docx", ".xlsx", ".pptx", ".doc",
        ".xls", ".ppt", ".odt", ".ods", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".class",
    }
)


@dataclass(frozen=True)
class FoundFile:
    """A candidate file: where it is, its key in the index, and the stat used to skip unchanged files."""

    path: Path
    key: str
    """The path shown to users and stored in the index: relative to the project folder when inside it."""
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and why (``kind`` is binary, unreadable, too-large or empty)."""

    key: str
    kind: str
    detail: str = ""


@dataclass
class Scan:
    files: list[FoundFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class TextFile:
    """A file's text, the hash of its bytes, and where each PDF page starts in the text (empty for text files)."""

    text: str
    digest: str
    page_starts: tuple[int, ...] = ()


class Unreadable(Exception):
    """A file that cannot be indexed; ``kind`` and ``detail`` become the warning."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


def display_key(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def scan(roots: Sequence[Path], *, base: Path, exclude: Sequence[str] = ()) -> Scan:
    """Every file under ``roots`` (files given directly are taken as they are), hidden folders excluded."""
    result = Scan()
    seen: set[Path] = set()
    for root in roots:
        root = root.expanduser().resolve()
        if not root.exists():
            raise InputError(f"no such file or folder: {root}", fix="check the path given to `ponder index`")
        for path in [root] if root.is_file() else _walk(root):
            if path in seen:
                continue
            seen.add(path)
            key = display_key(path, base)
            if _excluded(key, exclude):
                continue
            if path.suffix.lower() in BINARY_SUFFIXES:
                result.skipped.append(Skipped(key, "binary", path.suffix.lower()))
                continue
            try:
                st = path.stat()
            except OSError as exc:
                result.skipped.append(Skipped(key, "unreadable", exc.strerror or str(exc)))
                continue
            if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
                result.skipped.append(Skipped(key, "unreadable", "not a regular file"))
                continue
            if st.st_size > MAX_FILE_BYTES:
                result.skipped.append(Skipped(key, "too-large", f"{st.st_size / 1e6:.0f} MB"))
                continue
            result.files.append(FoundFile(path=path, key=key, size=st.st_size, mtime_ns=st.st_mtime_ns))
    result.files.sort(key=lambda f: f.key)
    return result


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def _excluded(key: str, patterns: Sequence[str]) -> bool:
    name = key.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(key, p) or fnmatch.fnmatch(name, p) for p in patterns)


def read_file(found: FoundFile) -> TextFile:
    """The file's text; raises ``Unreadable`` for binary, undecodable, empty or unreadable files."""
    try:
        data = found.path.read_bytes()
    except OSError as exc:
        raise Unreadable("unreadable", exc.strerror or str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    if found.path.suffix.lower() == ".pdf":
        text, starts = _pdf_text(data)
        return TextFile(text=text, digest=digest, page_starts=starts)
    if b"\x00" in data[:SNIFF_BYTES]:
        raise Unreadable("binary", "contains NUL bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("binary", "not UTF-8 text") from None
    if not text.strip():
        raise Unreadable("empty")
    return TextFile(text=text, digest=digest)


def _pdf_text(data: bytes) -> tuple[str, tuple[int, ...]]:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise Unreadable("unsupported", "reading PDF needs pypdf: pip install 'ponder[knowledge]'") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        raise Unreadable("unreadable", f"not a readable PDF ({type(exc).__name__})") from None
    starts: list[int] = []
    text = ""
    for page in pages:
        starts.append(len(text))
        text += page.strip() + "\n\n"
    if not text.strip():
        raise Unreadable("empty", "no text layer (a scanned PDF?)")
    return text, tuple(starts)
