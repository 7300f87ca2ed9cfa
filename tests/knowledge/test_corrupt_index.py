"""A corrupt or outdated index: searching names the fix (`ponder index --rebuild`), indexing rebuilds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ponder.knowledge.errors import IndexUnusable
from tests.knowledge.conftest import make_base


def _indexed(project: Path) -> Path:
    make_base(project).index()
    return project / ".ponder" / "index" / "docs"


def test_garbage_in_base_json_names_the_rebuild_command(project: Path, docs: Path) -> None:
    index = _indexed(project)
    (index / "base.json").write_text("{ this is not json")
    with pytest.raises(IndexUnusable) as caught:
        make_base(project).search("ollama")
    assert "corrupt" in caught.value.message
    assert caught.value.fix == "run `ponder index --rebuild --name docs`"
    assert caught.value.exit_code == 3


def test_an_index_from_another_format_version_is_refused_then_rebuilt(project: Path, docs: Path) -> None:
    index = _indexed(project)
    info = json.loads((index / "base.json").read_text())
    info["version"] = 0
    (index / "base.json").write_text(json.dumps(info))
    with pytest.raises(IndexUnusable, match="format version 0"):
        make_base(project).search("ollama")

    report = make_base(project).index()
    assert report.rebuilt is not None and "format version 0" in report.rebuilt
    assert make_base(project).search("Ollama server OLLAMA_HOST")[0].file == "docs/backends.md"


def test_a_damaged_docstore_is_rebuilt_from_the_files(project: Path, docs: Path) -> None:
    index = _indexed(project)
    (index / "storage" / "docstore.json").write_text("[1, 2")
    (docs / "install.md").write_text("# Installing\n\nUse pipx install ponder for an isolated install.\n")
    report = make_base(project).index()
    assert report.rebuilt is not None and "corrupt" in report.rebuilt
    assert sorted(report.added) == ["docs/backends.md", "docs/code/fib.py", "docs/garden/tomatoes.txt", "docs/install.md"]
    assert make_base(project).search("pipx isolated install")[0].file == "docs/install.md"


def test_a_damaged_bm25_index_names_the_rebuild_command(project: Path, docs: Path) -> None:
    index = _indexed(project)
    for path in (index / "bm25").iterdir():
        path.write_bytes(b"\x00garbage")
    with pytest.raises(IndexUnusable) as caught:
        make_base(project).search("ollama")
    assert "BM25 index" in caught.value.message and "--rebuild" in caught.value.fix
    assert make_base(project).index(rebuild=True).rebuilt == "--rebuild"
    assert make_base(project).search("Ollama server")


def test_a_base_that_was_never_indexed_says_so(project: Path, docs: Path) -> None:
    with pytest.raises(IndexUnusable, match="has no index"):
        make_base(project).search("ollama")


def test_an_interrupted_write_leaves_the_previous_index_usable(
    project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _indexed(project)
    (docs / "extra.md").write_text("Kiwis are flightless birds from New Zealand.\n")
    from ponder.knowledge import storage

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(storage, "write_bm25", crash)
        make_base(project).index()
    kb = make_base(project)
    assert kb.search("Ollama server")[0].file == "docs/backends.md"
    assert kb.search("kiwis flightless birds") == []
    assert make_base(project).index().added == ["docs/extra.md"]
