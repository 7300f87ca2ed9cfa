"""``OllamaEmbedding``: vectors from Ollama's ``/api/embed``, batched, as a LlamaIndex embedding model.

A few lines over the ``ollama`` client (already a Ponder dependency) rather than
``llama-index-embeddings-ollama``, whose releases pull ``pytest-asyncio`` into every install.
Imported only when a knowledge base uses Ollama embeddings.
"""

from __future__ import annotations

from typing import Any

import ollama
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr


class OllamaEmbedding(BaseEmbedding):
    base_url: str
    _client: ollama.Client = PrivateAttr()

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        self._client = ollama.Client(host=self.base_url, timeout=120)

    @classmethod
    def class_name(cls) -> str:
        return "PonderOllamaEmbedding"

    def _embed(self, texts: list[str]) -> list[list[float]]:
        reply = self._client.embed(model=self.model_name, input=texts)
        return [list(vector) for vector in reply.embeddings]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)
