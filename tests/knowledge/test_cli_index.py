"""`ponder index` as a user runs it: a real subprocess, its output and its exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.knowledge.conftest import write_docs


def ponder(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ponder.cli.main", "index", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_index_then_reindex_then_search(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs")
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (docs / "dump.log").write_bytes(b"\x00\x00\x00")

    first = ponder(tmp_path, "docs", "--name", "docs")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("indexed 'docs': 4 files, ")
    assert "(4 new, 0 changed, 0 removed, 0 unchanged)" in first.stdout
    assert "→ .ponder/index/docs" in first.stdout
    assert "warning: skipped 1 binary file (.jpg ×1)" in first.stderr
    assert "warning: skipped docs/dump.log (binary: contains NUL bytes)" in first.stderr
    assert "ponder chat --knowledge docs" in first.stderr

    again = ponder(tmp_path, "--name", "docs")  # no PATH: the base's own paths
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("up to date 'docs': 4 files") and "4 unchanged" in again.stdout

    found = ponder(tmp_path, "--name", "docs", "--query", "how do I water tomatoes")
    assert found.returncode == 0
    assert '1 passage from "docs" for "how do I water tomatoes":' in found.stdout
    assert "[1] docs/garden/tomatoes.txt:1-3\nTomatoes need six hours of sun a day." in found.stdout

    missing = ponder(tmp_path, "--name", "docs", "-q", "who painted the Mona Lisa")
    assert missing.returncode == 1
    assert missing.stdout.startswith('No passage in knowledge base "docs" matches "who painted the Mona Lisa"')

    listing = ponder(tmp_path, "--list")
    assert listing.returncode == 0 and "docs" in listing.stdout and "bm25" in listing.stdout


def test_an_empty_folder_is_a_one_line_error_with_a_fix(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = ponder(tmp_path, "empty")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: no documents to index in {tmp_path / 'empty'}",
        "  fix: point `ponder index` at a folder of Markdown, text, code or PDF files",
    ]
    assert result.stdout == ""


def test_a_corrupt_index_names_rebuild_and_rebuild_mends_it(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    assert ponder(tmp_path, "docs").returncode == 0  # named after the folder
    for path in (tmp_path / ".ponder" / "index" / "docs" / "bm25").iterdir():
        path.write_text("garbage")

    broken = ponder(tmp_path, "--name", "docs", "--query", "ollama")
    assert broken.returncode == 3
    assert "error: the BM25 index of knowledge base 'docs' is corrupt" in broken.stderr
    assert "  fix: run `ponder index --rebuild --name docs`" in broken.stderr
    assert "Traceback" not in broken.stderr

    rebuilt = ponder(tmp_path, "--rebuild", "--name", "docs")
    assert rebuilt.returncode == 0 and "(4 new," in rebuilt.stdout
    assert ponder(tmp_path, "--name", "docs", "--query", "OLLAMA_HOST server").returncode == 0


def test_an_unknown_base_lists_the_known_ones(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs")
    assert ponder(tmp_path, "docs").returncode == 0
    result = ponder(tmp_path, "--name", "handbook", "--query", "x")
    assert result.returncode == 3
    assert "error: no knowledge base named 'handbook' (known: docs)" in result.stderr
