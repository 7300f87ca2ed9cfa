"""read_file / list_files: read the project's files, confined to allowed folders (opt-in).

Every path is resolved (``..`` collapsed, symlinks followed) *before* it is checked against
the allowed roots (config ``file_roots``, default the working directory), so ``../``,
absolute paths elsewhere and symlinks that point out are all refused the same way. Oversized
and binary files are refused; long files are read a range of lines at a time.
"""

from __future__ import annotations

import os
from pathlib import Path

from ponder.tools.base import Tool
from ponder.tools.settings import ToolSettings

MAX_LIST = 200
MAX_LINES = 400


class FileAccessError(PermissionError):
    """A path the model may not use, or a file it cannot read; the message is its observation."""


class FileGuard:
    """Maps the model's paths into the allowed roots, or refuses them."""

    def __init__(self, roots: tuple[Path, ...]) -> None:
        self.roots = tuple(root.resolve() for root in roots)

    def resolve(self, path: str) -> Path:
        if "\x00" in path:
            raise FileAccessError("the path contains a NUL character")
        given = Path(path.strip() or ".").expanduser()
        candidate = given if given.is_absolute() else self.roots[0] / given
        real = candidate.resolve()
        if not any(real == root or real.is_relative_to(root) for root in self.roots):
            raise FileAccessError(
                f"'{path}' is outside the allowed folders ({self.describe()}); "
                "use a path inside them (relative paths start at the first one)"
            )
        return real

    def shown(self, real: Path) -> str:
        """A path as the model should write it back: relative to the first root it is under."""
        for root in self.roots:
            if real == root:
                return "."
            if real.is_relative_to(root):
                rel = str(real.relative_to(root))
                return rel if root == self.roots[0] else str(real)
        return str(real)

    def describe(self) -> str:
        return ", ".join(str(r) for r in self.roots)


def file_tools(settings: ToolSettings) -> list[Tool]:
    guard = FileGuard(settings.file_roots)
    max_bytes = settings.max_file_bytes

    def read_file(path: str, start_line: int = 1, max_lines: int = 200) -> str:
        """Read a text file from the allowed folders, a range of lines at a time.

        Args:
            path: the file's path, relative to the working folder
            start_line: the first line to return (1 is the first line of the file)
            max_lines: how many lines to return at most (up to 400)
        """
        real = guard.resolve(path)
        if not real.exists():
            raise FileAccessError(f"'{path}' does not exist; list_files shows what is there")
        if not real.is_file():
            raise FileAccessError(f"'{path}' is not a file; use list_files for folders")
        size = real.stat().st_size
        if size > max_bytes:
            raise FileAccessError(f"'{path}' is too large to read ({size:,} bytes; the limit is {max_bytes:,})")
        data = real.read_bytes()
        if b"\x00" in data[:8192]:
            raise FileAccessError(f"'{path}' is a binary file; only text files can be read")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FileAccessError(f"'{path}' is not UTF-8 text; only text files can be read") from None
        lines = text.splitlines()
        start = max(start_line, 1)
        count = min(max(max_lines, 1), MAX_LINES)
        chunk = lines[start - 1 : start - 1 + count]
        if not lines:
            return f"{guard.shown(real)} is empty"
        if not chunk:
            return f"{guard.shown(real)} has only {len(lines)} lines; start_line {start_line} is past the end"
        end = start + len(chunk) - 1
        more = f"; read on with start_line={end + 1}" if end < len(lines) else ""
        header = f"{guard.shown(real)} (lines {start}-{end} of {len(lines)}{more})"
        return header + "\n" + "\n".join(chunk)

    def list_files(path: str = ".") -> str:
        """List a folder in the allowed folders: sub-folders end with '/', files show their size.

        Args:
            path: the folder's path, relative to the working folder ('.' is the working folder)
        """
        real = guard.resolve(path)
        if not real.is_dir():
            raise FileAccessError(f"'{path}' is not a folder" if real.exists() else f"'{path}' does not exist")
        entries = sorted(os.scandir(real), key=lambda e: e.name)
        lines = [_describe(entry, guard) for entry in entries[:MAX_LIST]]
        if len(entries) > MAX_LIST:
            lines.append(f"[... {len(entries) - MAX_LIST} more entries not shown]")
        listing = "\n".join(lines) if lines else "(empty folder)"
        return f"{guard.shown(real)}/\n{listing}"

    return [
        Tool.from_function(read_file, opt_in=True),
        Tool.from_function(list_files, opt_in=True),
    ]


def _describe(entry: os.DirEntry[str], guard: FileGuard) -> str:
    if entry.is_symlink():
        try:
            guard.resolve(entry.path)
        except FileAccessError:
            return f"{entry.name} (link to outside the allowed folders)"
    if entry.is_dir():
        return f"{entry.name}/"
    try:
        return f"{entry.name} ({entry.stat().st_size:,} bytes)"
    except OSError:
        return f"{entry.name} (unreadable)"
