"""Two small LlamaIndex retrievers that wrap another: a score cutoff, and clear errors from embedding servers.

Imports LlamaIndex at module level: import this module only when a base is searched.
"""

from __future__ import annotations

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from ponder.knowledge.embeddings import embedding_failed


class CutoffRetriever(BaseRetriever):
    """Keeps only passages that actually match: a score above zero and at least ``cutoff``."""

    def __init__(self, inner: BaseRetriever, cutoff: float | None) -> None:
        super().__init__()
        self.inner = inner
        self.cutoff = cutoff

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        found = self.inner.retrieve(query_bundle)
        return [
            n for n in found if n.score is not None and n.score > 0 and (self.cutoff is None or n.score >= self.cutoff)
        ]


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
