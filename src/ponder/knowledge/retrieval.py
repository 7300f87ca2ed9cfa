"""Searching an index: BM25 (offline, the default), vectors from an embedding server, or both fused.

Every retriever here can come back empty, so a question the documents do not cover retrieves
nothing and the tool and the chat mode say so instead of inventing. BM25 keeps a passage only if
it holds ``min_coverage`` of the question's keyword weight (``KeywordRetriever``); the default was
chosen on the shipped docs (see ``benchmarks/knowledge.py``). Vector similarities depend on the
embedding model, so their cutoff is off unless ``min_similarity`` is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.knowledge.errors import IndexUnusable
from ponder.knowledge.manifest import BM25_DIR, STORAGE_DIR, BaseInfo

if TYPE_CHECKING:
    from llama_index.core.base.base_retriever import BaseRetriever

DEFAULT_MIN_COVERAGE = 0.25


@dataclass(frozen=True)
class RetrievalOptions:
    top_k: int = 3
    min_coverage: float | None = None
    """Share of the query's keyword weight a BM25 passage must hold; ``None`` means ``DEFAULT_MIN_COVERAGE``."""
    min_similarity: float | None = None
    """Vector (cosine) cutoff; ``None`` keeps the ``top_k`` nearest whatever their similarity."""


def load_retriever(index_dir: Path, info: BaseInfo, options: RetrievalOptions) -> BaseRetriever:
    """The retriever for an index as it was built (``info.settings`` says which kinds it holds)."""
    settings = info.settings
    parts: list[BaseRetriever] = []
    if settings.uses_vectors:
        parts.append(_cutoff(_vector(index_dir, info, options.top_k), options.min_similarity))
    if settings.uses_bm25:
        coverage = DEFAULT_MIN_COVERAGE if options.min_coverage is None else options.min_coverage
        parts.append(_bm25(index_dir, info, options.top_k, coverage))
    if len(parts) == 1:
        return parts[0]
    return _fused(parts, options.top_k)


def _bm25(index_dir: Path, info: BaseInfo, top_k: int, min_coverage: float) -> BaseRetriever:
    from ponder.knowledge.storage import require_bm25

    require_bm25()
    import bm25s

    from ponder.knowledge.retrievers import KeywordRetriever

    folder = index_dir / BM25_DIR
    try:
        # mmap=False: bm25s's memory-mapped corpus logs through the root logger, which installs a
        # stderr handler (logging.basicConfig) in the host application as a side effect.
        bm25 = bm25s.BM25.load(str(folder), load_corpus=True, mmap=False, show_progress=False)
    except Exception as exc:  # bm25s raises OSError, ValueError or json errors for damaged files
        raise IndexUnusable(f"the BM25 index of knowledge base '{info.name}' is corrupt ({folder}: {exc})", name=info.name) from None
    size = len(bm25.corpus) if bm25.corpus is not None else 0
    if size == 0:
        raise IndexUnusable(f"the BM25 index of knowledge base '{info.name}' is empty ({folder})", name=info.name)
    return KeywordRetriever(bm25, similarity_top_k=min(top_k, size), min_coverage=min_coverage)


def _vector(index_dir: Path, info: BaseInfo, top_k: int) -> BaseRetriever:
    from llama_index.core import StorageContext, load_index_from_storage

    from ponder.knowledge.embeddings import resolve_embedding
    from ponder.knowledge.storage import transformations

    assert info.settings.embed_model is not None  # vector settings always name one (checked when indexing)
    embed_model = resolve_embedding(info.settings.embed_model)
    storage = index_dir / STORAGE_DIR
    try:
        context = StorageContext.from_defaults(persist_dir=str(storage))
        index = load_index_from_storage(context, embed_model=embed_model, transformations=transformations(info.settings))
    except Exception as exc:  # json, pydantic or LlamaIndex errors for a damaged store
        raise IndexUnusable(f"the vector index of knowledge base '{info.name}' is corrupt ({storage}: {exc})", name=info.name) from None
    from ponder.knowledge.retrievers import EmbeddingGuard

    return EmbeddingGuard(index.as_retriever(similarity_top_k=top_k), info.settings.embed_model)


def _fused(parts: list[BaseRetriever], top_k: int) -> BaseRetriever:
    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.core.retrievers.fusion_retriever import FUSION_MODES

    # num_queries=1: no extra queries are generated, so the LLM is never called; MockLLM only keeps
    # the retriever from resolving Settings.llm (which would want an OpenAI key).
    return QueryFusionRetriever(
        parts,
        llm=MockLLM(),
        mode=FUSION_MODES.RECIPROCAL_RANK,
        similarity_top_k=top_k,
        num_queries=1,
        use_async=False,
    )


def _cutoff(inner: BaseRetriever, cutoff: float | None) -> BaseRetriever:
    from ponder.knowledge.retrievers import CutoffRetriever

    return CutoffRetriever(inner, cutoff)
