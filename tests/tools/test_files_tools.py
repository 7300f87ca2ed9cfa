"""read_file / list_files: confined to the allowed roots; traversal, symlink escapes, big and binary files refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ponder.tools.base import Tool
from ponder.tools.builtin.files import FileAccessError, file_tools
from ponder.tools.settings import ToolSettings


@pytest.fixture
def root(settings: ToolSettings) -> Path:
    base = settings.file_roots[0]
    (base / "notes.txt").write_text("first\nsecond\nthird\n")
    (base / "sub").mkdir()
    (base / "sub" / "deep.md").write_text("# deep\n")
    return base


@pytest.fixture
def tools(settings: ToolSettings, root: Path) -> dict[str, Tool]:
    return {t.name: t for t in file_tools(settings)}


def read(tools: dict[str, Tool], **args: object) -> str:
    tool = tools["read_file"]
    return str(tool.invoke(tool.validate(args)))


def test_reads_a_file_with_a_header_naming_the_lines(tools: dict[str, Tool]) -> None:
    assert read(tools, path="notes.txt") == "notes.txt (lines 1-3 of 3)\nfirst\nsecond\nthird"
    assert read(tools, path="sub/../sub/deep.md") == "sub/deep.md (lines 1-1 of 1)\n# deep"


def test_long_files_are_read_a_range_at_a_time(tools: dict[str, Tool], root: Path) -> None:
    (root / "long.txt").write_text("".join(f"line {i}\n" for i in range(1, 1001)))
    first = read(tools, path="long.txt", max_lines=2)
    assert first == "long.txt (lines 1-2 of 1000; read on with start_line=3)\nline 1\nline 2"
    assert read(tools, path="long.txt", start_line=999).endswith("line 999\nline 1000")
    assert "past the end" in read(tools, path="long.txt", start_line=2000)


def test_lists_folders_and_sizes(tools: dict[str, Tool]) -> None:
    assert tools["list_files"].invoke({"path": "."}) == "./\nnotes.txt (19 bytes)\nsub/"


@pytest.mark.parametrize("path", ["../secret.txt", "sub/../../secret.txt", "../root/../secret.txt"])
def test_dot_dot_traversal_out_of_the_root_is_refused(tools: dict[str, Tool], root: Path, path: str) -> None:
    (root.parent / "secret.txt").write_text("password")
    with pytest.raises(FileAccessError, match="is outside the allowed folders"):
        read(tools, path=path)


def test_absolute_paths_outside_the_roots_are_refused_but_inside_allowed(tools: dict[str, Tool], root: Path) -> None:
    with pytest.raises(FileAccessError, match="outside the allowed folders"):
        read(tools, path="/etc/passwd")
    with pytest.raises(FileAccessError, match="outside the allowed folders"):
        tools["list_files"].invoke({"path": "/"})
    assert read(tools, path=str(root / "notes.txt")).endswith("third")


def test_symlinks_that_escape_the_root_are_refused(tools: dict[str, Tool], root: Path) -> None:
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "key.txt").write_text("secret")
    (root / "link.txt").symlink_to(outside / "key.txt")
    (root / "linkdir").symlink_to(outside)
    with pytest.raises(FileAccessError, match="outside the allowed folders"):
        read(tools, path="link.txt")
    with pytest.raises(FileAccessError, match="outside the allowed folders"):
        read(tools, path="linkdir/key.txt")
    listing = tools["list_files"].invoke({"path": "."})
    assert "link.txt (link to outside the allowed folders)" in listing


def test_symlinks_inside_the_root_are_followed(tools: dict[str, Tool], root: Path) -> None:
    (root / "alias.txt").symlink_to(root / "notes.txt")
    assert read(tools, path="alias.txt").startswith("notes.txt (lines 1-3")


def test_oversized_files_are_refused(root: Path) -> None:
    small = ToolSettings(file_roots=(root,), max_file_bytes=100)
    tool = file_tools(small)[0]
    (root / "big.log").write_text("x" * 101)
    with pytest.raises(FileAccessError, match="too large to read \\(101 bytes; the limit is 100\\)"):
        tool.invoke({"path": "big.log", "start_line": 1, "max_lines": 10})


def test_binary_files_are_refused(tools: dict[str, Tool], root: Path) -> None:
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "latin1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(FileAccessError, match="binary file"):
        read(tools, path="image.png")
    with pytest.raises(FileAccessError, match="not UTF-8 text"):
        read(tools, path="latin1.txt")


def test_missing_files_and_folders_point_to_list_files(tools: dict[str, Tool]) -> None:
    with pytest.raises(FileAccessError, match="does not exist; list_files shows what is there"):
        read(tools, path="nope.txt")
    with pytest.raises(FileAccessError, match="is not a file"):
        read(tools, path="sub")


def test_several_roots_and_the_default_root_is_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (b / "x.txt").write_text("from b")
    read_file = file_tools(ToolSettings(file_roots=(a, b)))[0]
    assert read_file.invoke({"path": str(b / "x.txt")}).endswith("from b")
    monkeypatch.chdir(b)
    assert file_tools(ToolSettings())[0].invoke({"path": "x.txt"}).endswith("from b")
    assert os.path.samefile(ToolSettings().file_roots[0], b)
