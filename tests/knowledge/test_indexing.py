"""Building and re-building an index: what is read, what is skipped, what a search then finds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ponder.errors import InputError
from ponder.knowledge import indexing
from ponder.knowledge.base import KnowledgeBase
from ponder.knowledge.errors import NoDocuments
from tests.knowledge.conftest import bump_mtime, make_base


def test_indexing_a_folder_makes_every_file_searchable_with_its_lines(project: Path, docs: Path) -> None:
    kb = make_base(project)
    report = kb.index()
    assert sorted(report.added) == [
        "docs/backends.md", "docs/code/fib.py", "docs/garden/tomatoes.txt", "docs/install.md",
    ]
    assert report.files == 4 and report.passages >= 4
    assert (project / ".ponder" / "index" / "docs" / "base.json").is_file()

    top = kb.search("Which variable tells Ponder where the Ollama server is?")[0]
    assert top.file == "docs/backends.md"
    first, last = (int(n) for n in top.lines.split("-"))
    lines = (docs / "backends.md").read_text().splitlines()[first - 1 : last]
    assert "OLLAMA_HOST" in "\n".join(lines)
    assert top.citation == f"docs/backends.md:{top.lines}"


def test_code_files_are_indexed_too(project: Path, docs: Path) -> None:
    kb = make_base(project)
    kb.index()
    assert kb.search("fibonacci number")[0].file == "docs/code/fib.py"


def test_second_run_reads_no_unchanged_file(project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = make_base(project)
    kb.index()
    reads: list[str] = []
    real = indexing.read_file
    monkeypatch.setattr(indexing, "read_file", lambda found: reads.append(found.key) or real(found))
    report = kb.index()
    assert reads == []
    assert report.up_to_date and report.unchanged == 4 and report.rebuilt is None


def test_a_changed_file_is_reindexed_and_the_others_are_not_read(
    project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_base(project)
    kb.index()
    (docs / "garden" / "tomatoes.txt").write_text("Zucchini plants sprawl; give them a square metre each.\n")
    bump_mtime(docs / "garden" / "tomatoes.txt")
    reads: list[str] = []
    real = indexing.read_file
    monkeypatch.setattr(indexing, "read_file", lambda found: reads.append(found.key) or real(found))
    report = kb.index()
    assert reads == ["docs/garden/tomatoes.txt"]
    assert report.changed == ["docs/garden/tomatoes.txt"] and report.unchanged == 3
    assert kb.search("zucchini square metre")[0].file == "docs/garden/tomatoes.txt"
    assert kb.search("tomatoes sun suckers") == []


def test_a_touched_but_identical_file_is_not_rechunked(project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = make_base(project)
    kb.index()
    bump_mtime(docs / "install.md")
    chunked: list[str] = []
    real = indexing.chunk_file
    monkeypatch.setattr(indexing, "chunk_file", lambda key, *a, **k: chunked.append(key) or real(key, *a, **k))
    report = kb.index()
    assert chunked == [] and report.up_to_date
    assert kb.index().unchanged == 4  # the new mtime was recorded: the next run does not even hash it


def test_deleted_files_leave_the_index(project: Path, docs: Path) -> None:
    kb = make_base(project)
    kb.index()
    assert kb.search("tomatoes sun")
    (docs / "garden" / "tomatoes.txt").unlink()
    report = kb.index()
    assert report.removed == ["docs/garden/tomatoes.txt"]
    assert report.files == 3
    assert kb.search("tomatoes sun") == []


def test_binary_and_unreadable_files_are_skipped_with_a_reason(
    project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (docs / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (docs / "data.txt").write_bytes(b"abc\x00\x01\x02")
    (docs / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (docs / "dangling.md").symlink_to(docs / "missing.md")
    (docs / "secret.md").write_text("top secret")
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.md":
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = make_base(project).index()
    skipped = {s.key: (s.kind, s.detail) for s in report.skipped}
    assert skipped == {
        "docs/logo.png": ("binary", ".png"),
        "docs/data.txt": ("binary", "contains NUL bytes"),
        "docs/latin1.txt": ("binary", "not UTF-8 text"),
        "docs/dangling.md": ("unreadable", "No such file or directory"),
        "docs/secret.md": ("unreadable", "Permission denied"),
    }
    assert report.files == 4


def test_an_empty_folder_is_a_clear_error(project: Path) -> None:
    (project / "empty").mkdir()
    with pytest.raises(NoDocuments) as caught:
        make_base(project, paths=[project / "empty"]).index()
    assert "no documents to index" in caught.value.message
    assert "Markdown" in caught.value.fix
    assert caught.value.exit_code == 2


def test_a_folder_of_only_binary_files_says_what_was_skipped(project: Path) -> None:
    folder = project / "images"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"\x89PNG")
    (folder / "b.bin").write_bytes(b"\x00\x01")
    with pytest.raises(NoDocuments, match=r"skipped: 2 binary"):
        make_base(project, paths=[folder]).index()


def test_a_missing_path_is_a_clear_error(project: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        make_base(project, paths=[project / "nowhere"]).index()


def test_hidden_folders_and_excluded_files_are_not_indexed(project: Path, docs: Path) -> None:
    (docs / ".git").mkdir()
    (docs / ".git" / "notes.md").write_text("hidden notes about tomatoes")
    base = make_base(project)
    report = KnowledgeBase(dataclasses.replace(base.spec, exclude=["*.py"]), base_dir=project).index()
    assert "docs/.git/notes.md" not in report.added
    assert "docs/code/fib.py" not in report.added and report.files == 3


def test_changing_the_chunk_size_rebuilds_the_index(project: Path, docs: Path) -> None:
    make_base(project).index()
    report = make_base(project, chunk_size=64).index()
    assert report.rebuilt is not None and "chunk_size 256 → 64" in report.rebuilt
    assert len(report.added) == 4


def test_pdf_passages_cite_their_page(project: Path) -> None:
    pytest.importorskip("pypdf")
    folder = project / "pdfs"
    folder.mkdir()
    one = "Chapter one is about kettles and how they boil water for tea every morning in the kitchen. " * 2
    two = "Chapter two explains descaling with vinegar when limescale builds up inside the kettle. " * 2
    (folder / "manual.pdf").write_bytes(_pdf([one, two]))
    kb = make_base(project, paths=[folder], chunk_size=40, chunk_overlap=0)
    kb.index()
    found = kb.search("descaling vinegar")
    assert found and found[0].file == "pdfs/manual.pdf"
    assert found[0].citation == "pdfs/manual.pdf (p. 2)"


def _pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one line of text per page (Helvetica, no compression)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for text in pages:
        page_no, content_no = len(objects) + 1, len(objects) + 2
        kids.append(f"{page_no} 0 R")
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_no} 0 R "
            "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_indexing_and_searching_leave_the_applications_logging_alone(
    project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as in the CLI: nobody configured logging
    kb = make_base(project)
    kb.index()
    kb.search("ollama server")
    assert root.handlers == []


def test_without_the_knowledge_extra_the_error_names_the_install(
    project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from ponder.errors import MissingDependency

    monkeypatch.setitem(sys.modules, "bm25s", None)  # as if it were not installed
    with pytest.raises(MissingDependency) as caught:
        make_base(project).index()
    assert caught.value.fix == "pip install 'ponder[knowledge]'"
    assert "bm25s is not installed" in caught.value.message
