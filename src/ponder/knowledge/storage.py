"""The index on disk while it is being updated: LlamaIndex's docstore (and vector index), plus the file records.

Writes go to a staging folder that replaces the old index only once complete, so an interrupted
``ponder index`` leaves the previous index intact rather than half of a new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.knowledge.errors import IndexUnusable
from ponder.knowledge.manifest import (
    BM25_DIR,
    STORAGE_DIR,
    BaseInfo,
    FileRecord,
    IndexSettings,
    load_files,
    load_info,
    save_files,
    save_info,
)

if TYPE_CHECKING:
    from llama_index.core import VectorStoreIndex
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import BaseNode, TransformComponent
    from llama_index.core.storage.docstore import BaseDocumentStore

DOCSTORE_FILE = "docstore.json"


@dataclass
class IndexState:
    """Everything an index update reads and rewrites."""

    docstore: BaseDocumentStore
    records: dict[str, FileRecord] = field(default_factory=dict)
    vectors: VectorStoreIndex | None = None


def new_state(embed_model: BaseEmbedding | None, settings: IndexSettings) -> IndexState:
    from llama_index.core.storage.docstore import SimpleDocumentStore

    docstore = SimpleDocumentStore()
    if embed_model is None:
        return IndexState(docstore=docstore)
    from llama_index.core import StorageContext, VectorStoreIndex

    context = StorageContext.from_defaults(docstore=docstore)
    index = VectorStoreIndex(
        nodes=[], storage_context=context, embed_model=embed_model, transformations=transformations(settings)
    )
    return IndexState(docstore=docstore, vectors=index)


def open_state(
    index_dir: Path, name: str, embed_model: BaseEmbedding | None, settings: IndexSettings
) -> tuple[BaseInfo, IndexState]:
    """The existing index, ready to update; raises ``IndexUnusable`` if any part of it cannot be read."""
    info = load_info(index_dir, name)
    records = load_files(index_dir, name)
    storage = index_dir / STORAGE_DIR
    try:
        if embed_model is None:
            from llama_index.core.storage.docstore import SimpleDocumentStore

            docstore = SimpleDocumentStore.from_persist_path(str(storage / DOCSTORE_FILE))
            return info, IndexState(docstore=docstore, records=records)
        from llama_index.core import StorageContext, VectorStoreIndex, load_index_from_storage

        context = StorageContext.from_defaults(persist_dir=str(storage))
        index = load_index_from_storage(context, embed_model=embed_model, transformations=transformations(settings))
        if not isinstance(index, VectorStoreIndex):
            raise TypeError(f"expected a vector index, found {type(index).__name__}")
        return info, IndexState(docstore=context.docstore, records=records, vectors=index)
    except Exception as exc:  # a damaged docstore can fail in json, pydantic or LlamaIndex code
        raise IndexUnusable(f"the index of knowledge base '{name}' is corrupt ({storage}: {exc})", name=name) from None


def transformations(settings: IndexSettings) -> list[TransformComponent]:
    """The index's own splitter: without it LlamaIndex builds a default one, which loads tiktoken."""
    from ponder.knowledge.chunking import splitter

    return [splitter(settings.chunk_size, settings.chunk_overlap)]


def remove_file(state: IndexState, key: str) -> None:
    """Forget every passage of one file."""
    if state.docstore.get_ref_doc_info(key) is None:
        return
    if state.vectors is not None:
        state.vectors.delete_ref_doc(key, delete_from_docstore=True)
    else:
        state.docstore.delete_ref_doc(key, raise_error=False)


def add_nodes(state: IndexState, nodes: Sequence[BaseNode]) -> None:
    """Store passages (already embedded when the base uses vectors)."""
    if not nodes:
        return
    if state.vectors is not None:
        state.vectors.insert_nodes(list(nodes))
    else:
        state.docstore.add_documents(list(nodes), allow_update=True)


def recover(index_dir: Path) -> None:
    """Clean up after a ``ponder index`` that was killed (the caller holds the index's lock).

    Killed between the two renames of ``persist``, the previous index is only under ``.NAME.old``:
    it is moved back. Staging folders of killed runs are removed.
    """
    parent = index_dir.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f".{index_dir.name}.old*"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not index_dir.exists() and olds:
        olds[0].rename(index_dir)
        olds = olds[1:]
    for leftover in [*olds, *parent.glob(f".{index_dir.name}.staging*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def persist(state: IndexState, info: BaseInfo, index_dir: Path, settings: IndexSettings) -> None:
    """Write the whole index to a staging folder, then swap it in for the old one."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.staging-", dir=index_dir.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the index from other users
    old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}")
    (staging / STORAGE_DIR).mkdir(parents=True)
    if state.vectors is not None:
        state.vectors.storage_context.persist(persist_dir=str(staging / STORAGE_DIR))
    else:
        state.docstore.persist(str(staging / STORAGE_DIR / DOCSTORE_FILE))
    if settings.uses_bm25:
        write_bm25(list(state.docstore.docs.values()), staging / BM25_DIR)
    save_files(staging, state.records)
    save_info(staging, info)
    shutil.rmtree(old, ignore_errors=True)
    if index_dir.exists():
        index_dir.rename(old)
    staging.rename(index_dir)
    shutil.rmtree(old, ignore_errors=True)


def touch(info: BaseInfo, records: dict[str, FileRecord], index_dir: Path) -> None:
    """Nothing to re-index: record the new mtimes and the time of this check, in place."""
    save_files(index_dir, records)
    save_info(index_dir, info)


def write_bm25(nodes: list[BaseNode], folder: Path) -> None:
    """Build the BM25 index (llama-index-retrievers-bm25 over bm25s) and save it beside the docstore."""

    require_bm25()
    from llama_index.retrievers.bm25 import BM25Retriever

    from ponder.knowledge.retrievers import STOPWORDS

    retriever = BM25Retriever(nodes=nodes, language=STOPWORDS, similarity_top_k=1)  # k is chosen at query time
    folder.mkdir(parents=True, exist_ok=True)
    retriever.persist(str(folder), show_progress=False)


def require_bm25() -> None:
    """BM25 lives in the ``knowledge`` extra: say how to install it rather than fail with an ImportError."""
    try:
        import bm25s  # noqa: F401
        import llama_index.retrievers.bm25  # noqa: F401
    except ImportError as exc:
        from ponder.errors import MissingDependency

        raise MissingDependency(
            f"knowledge bases need BM25 search ({exc.name} is not installed)", fix="pip install 'ponder[knowledge]'"
        ) from None
