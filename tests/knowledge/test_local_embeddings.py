"""Offline sentence embeddings: the bundled all-MiniLM-L6-v2 (real sentence-transformers, real weights)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.errors import MissingDependency
from ponder.knowledge import local_embedding
from ponder.knowledge.embeddings import resolve_embedding
from ponder.knowledge.local_embedding import DEFAULT_EMBED_MODEL, ensure_model_dir

from .conftest import make_base, write_docs

pytestmark = pytest.mark.skipif(not local_embedding.installed(), reason="needs pip install 'ponder[embeddings]'")

MEANINGS = {
    "boiler.md": "Keep the heating system's water pressure between 1.2 and 1.8 bar.\n",
    "garden.md": "Water the tomatoes every morning during the summer.\n",
    "car.md": "Change the engine oil every 15,000 kilometres.\n",
}


def test_the_model_is_unpacked_once_into_the_cache_with_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_CACHE", str(tmp_path / "cache"))
    calls: list[tuple[int, int]] = []
    folder = ensure_model_dir(progress=lambda done, total: calls.append((done, total)))
    assert folder == tmp_path / "cache" / "embeddings" / "all-MiniLM-L6-v2"
    assert (folder / "model.safetensors").stat().st_size > 80_000_000 and (folder / "tokenizer.json").is_file()
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] > 80_000_000
    calls.clear()
    assert ensure_model_dir(progress=lambda done, total: calls.append((done, total))) == folder
    assert calls == []  # the second time nothing is unpacked


def test_a_damaged_cache_is_unpacked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_CACHE", str(tmp_path / "cache"))
    folder = ensure_model_dir()
    (folder / "tokenizer.json").unlink()
    assert ensure_model_dir() == folder and (folder / "tokenizer.json").is_file()
    assert not list(folder.parent.glob(".all-MiniLM-L6-v2.*"))  # no temp folder left behind


def test_a_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_embedding, "DISTRIBUTION", "no-such-embedding-model-package")
    with pytest.raises(MissingDependency) as caught:
        resolve_embedding(DEFAULT_EMBED_MODEL)
    assert "pip install 'ponder[embeddings]'" in caught.value.fix and "whl/cpu" in caught.value.fix


def test_sentences_that_mean_the_same_are_nearest() -> None:
    model = resolve_embedding(DEFAULT_EMBED_MODEL)
    query = model.get_query_embedding("What should the furnace gauge read?")
    texts = list(MEANINGS.values())
    scores = [model.similarity(query, model.get_text_embedding(t)) for t in texts]
    assert len(query) == 384
    assert scores.index(max(scores)) == 0  # the boiler, with no word in common with the question


def test_vector_retrieval_finds_a_paraphrase_that_bm25_cannot(project: Path) -> None:
    write_docs(project / "docs", MEANINGS)
    vector = make_base(project, name="v", retrieval="vector")
    report = vector.index()  # no embed_model given: the bundled one, offline (conftest refuses non-loopback sockets)
    assert report.passages == 3
    assert vector.info.settings.embed_model == DEFAULT_EMBED_MODEL
    assert vector.search("What should the furnace gauge read?")[0].file.endswith("boiler.md")
    keyword = make_base(project, name="k", retrieval="bm25")
    keyword.index()
    assert keyword.search("What should the furnace gauge read?") == []


def test_hybrid_retrieval_on_the_bundled_model_survives_a_reindex(project: Path) -> None:
    docs = write_docs(project / "docs", MEANINGS)
    base = make_base(project, retrieval="hybrid")
    base.index()
    (docs / "car.md").write_text("Rotate the tyres every 10,000 kilometres.\n")
    again = base.index()
    assert again.changed == ["docs/car.md"] and again.passages == 3
    assert base.search("When should I swap the wheels around?")[0].file.endswith("car.md")
