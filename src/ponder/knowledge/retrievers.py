"""Ponder's LlamaIndex retrievers: BM25 that can find nothing, a similarity cutoff, clear embedding errors.

Imports LlamaIndex and bm25s at module level: import this module only when a base is searched.
"""

from __future__ import annotations

import math

import bm25s
import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever

from ponder.knowledge.embeddings import embedding_failed

STOPWORDS = "en_plus"
"""NLTK's English stopwords: unlike bm25s's default list they include question words (what, how,
which, does) that would otherwise match half of any corpus. Used for indexing and for queries."""


class CutoffRetriever(BaseRetriever):
    """Keeps only passages at least ``cutoff`` similar to the query (vector search always returns its top k)."""

    def __init__(self, inner: BaseRetriever, cutoff: float | None) -> None:
        super().__init__()
        self.inner = inner
        self.cutoff = cutoff

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        found = self.inner.retrieve(query_bundle)
        return [n for n in found if self.cutoff is None or (n.score is not None and n.score >= self.cutoff)]


class EmbeddingGuard(BaseRetriever):
    """Turns a failing embedding server into a ``BackendUnavailable`` that names the model and the fix."""

    def __init__(self, inner: BaseRetriever, spec: str) -> None:
        super().__init__()
        self.inner = inner
        self.spec = spec

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        try:
            return self.inner.retrieve(query_bundle)
        except Exception as exc:  # connection, HTTP and server errors differ by provider
            raise embedding_failed(self.spec, exc) from exc


class KeywordRetriever(BM25Retriever):
    """BM25 that keeps a passage only if it holds enough of the question's keywords, weighted by rarity.

    A raw BM25 score cannot say "nothing relevant": it grows with the corpus and the query. The
    share of the query's keyword weight (IDF, after stopwords and stemming) that a passage
    contains can: an off-topic question shares at most a common word or two with the documents.
    On the shipped docs every answering passage held at least 0.28 of its question's weight and
    no off-topic question's best passage more than 0.16 (``benchmarks/knowledge.py``).
    """

    def __init__(self, bm25: bm25s.BM25, *, similarity_top_k: int, min_coverage: float) -> None:
        super().__init__(existing_bm25=bm25, similarity_top_k=similarity_top_k)
        self.min_coverage = min_coverage
        self._doc_freq = np.diff(np.asarray(bm25.scores["indptr"]))
        self._docs = int(bm25.scores["num_docs"])

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        weights = {term: self._idf(term) for term in self._terms(query_bundle.query_str)}
        total = sum(weights.values())
        if not total:
            return []
        kept = []
        for found in super()._retrieve(query_bundle):
            if not found.score or found.score <= 0:
                continue
            present = self._terms(found.node.get_content(metadata_mode=MetadataMode.EMBED))
            if sum(w for term, w in weights.items() if term in present) / total >= self.min_coverage:
                kept.append(found)
        return kept

    def _terms(self, text: str) -> set[str]:
        tokens = bm25s.tokenize(
            [text],
            stopwords=STOPWORDS,
            stemmer=self.stemmer,
            token_pattern=self.token_pattern,
            return_ids=False,
            show_progress=False,
        )
        return set(tokens[0])

    def _idf(self, term: str) -> float:
        """BM25's (Lucene) IDF; a term the corpus never uses gets the largest weight, as it should."""
        token = self.bm25.vocab_dict.get(term)
        df = int(self._doc_freq[token]) if token is not None and token < len(self._doc_freq) else 0
        return math.log(1 + (self._docs - df + 0.5) / (df + 0.5))
