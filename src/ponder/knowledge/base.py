"""``KnowledgeBase``: a named, indexed folder of documents that can be searched, re-indexed, or queried.

The one object the tool, the chat mode, the CLI and the benchmark share. It loads its index on
first use (not when built), so listing tools or bases never pays for reading an index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.errors import InputError
from ponder.knowledge.errors import IndexUnusable
from ponder.knowledge.indexing import IndexReport, Progress, build_index
from ponder.knowledge.manifest import BaseInfo, load_info
from ponder.knowledge.passages import Passage, from_nodes
from ponder.knowledge.registry import KnowledgeSpec, find_spec
from ponder.knowledge.retrieval import load_retriever

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.llms import LLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    from ponder.config import PonderConfig


class KnowledgeBase:
    """Search a base with ``search(query)``; keep it current with ``index()``.

    >>> kb = KnowledgeBase.open("docs")                      # doctest: +SKIP
    >>> [p.citation for p in kb.search("install")]           # doctest: +SKIP
    ['docs/knowledge-base/install.md:1-20']
    """

    def __init__(self, spec: KnowledgeSpec, *, base_dir: Path | None = None) -> None:
        self.spec = spec
        self.base_dir = base_dir or Path.cwd()
        self._info: BaseInfo | None = None
        self._retriever: BaseRetriever | None = None

    @classmethod
    def open(cls, name: str, *, config: PonderConfig | None = None, cwd: Path | None = None) -> KnowledgeBase:
        """The base called ``name`` (configured or indexed); raises ``KnowledgeBaseNotFound`` if none."""
        cwd = cwd or Path.cwd()
        return cls(find_spec(name, config=config, cwd=cwd), base_dir=cwd)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def info(self) -> BaseInfo:
        """The index's facts; raises ``IndexUnusable`` if it is missing, corrupt or outdated."""
        if self._info is None:
            self._info = load_info(self.spec.index_dir, self.name)
        return self._info

    @property
    def description(self) -> str:
        """Same as ``describe()``: what ``/knowledge`` in the REPL shows next to the name."""
        return self.describe()

    def describe(self) -> str:
        """What the base holds, in one sentence: the configured description, else its files."""
        description = self.spec.description
        if not description:
            try:
                description = self.info.description
            except IndexUnusable:
                description = None
        if description:
            return description
        roots = ", ".join(_short(Path(p), self.base_dir) for p in self.spec.paths) or "its folder"
        try:
            return f"the '{self.name}' knowledge base ({self.info.files} files from {roots})"
        except IndexUnusable:
            return f"the '{self.name}' knowledge base (documents from {roots})"

    # -- searching -----------------------------------------------------------------------------
    def retriever(self) -> BaseRetriever:
        """The LlamaIndex retriever over this base (BM25, vectors or both), with its score cutoffs."""
        if self._retriever is None:
            info = self.info
            if self.spec.configured and info.settings.retrieval != self.spec.settings.retrieval:
                raise IndexUnusable(
                    f"knowledge base '{self.name}' was indexed for {info.settings.retrieval} retrieval "
                    f"but ponder.toml asks for {self.spec.settings.retrieval}",
                    name=self.name,
                )
            started = time.perf_counter()
            self._retriever = load_retriever(self.spec.index_dir, info, self.spec.options)
            log.info(
                "knowledge base '%s' loaded from %s in %.2fs: %d passages from %d files, %s retrieval",
                self.name, self.spec.index_dir, time.perf_counter() - started, info.passages, info.files,
                info.settings.retrieval,
            )
        return self._retriever

    def search(self, query: str) -> list[Passage]:
        """The passages that match ``query``, best first; empty when nothing in the base is relevant."""
        if not query.strip():
            return []
        return from_nodes(self.retriever().retrieve(query))

    def query_engine(self, llm: LLM) -> RetrieverQueryEngine:
        """A LlamaIndex ``RetrieverQueryEngine`` that answers from this base with ``llm`` (sources in ``source_nodes``)."""
        from llama_index.core.query_engine import RetrieverQueryEngine
        from llama_index.core.response_synthesizers import ResponseMode

        from ponder.knowledge.tokens import ensure_offline_tokenizer

        ensure_offline_tokenizer()
        return RetrieverQueryEngine.from_args(self.retriever(), llm=llm, response_mode=ResponseMode.COMPACT)

    # -- indexing ------------------------------------------------------------------------------
    def index(
        self, *, paths: Sequence[Path] | None = None, rebuild: bool = False, on_progress: Progress | None = None
    ) -> IndexReport:
        """Bring the index up to date with ``paths`` (default: the base's own); unchanged files are skipped."""
        roots = list(paths) if paths else list(self.spec.paths)
        if not roots:
            raise InputError(
                f"knowledge base '{self.name}' has no paths to index",
                fix=f"pass them: `ponder index PATH --name {self.name}`, or set paths in [knowledge.{self.name}]",
            )
        report = build_index(
            name=self.name,
            roots=roots,
            index_dir=self.spec.index_dir,
            base_dir=self.base_dir,
            settings=self.spec.settings,
            description=self.spec.description,
            exclude=self.spec.exclude,
            rebuild=rebuild,
            on_progress=on_progress,
        )
        self._info = None
        self._retriever = None
        return report


def _short(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix() or "."
    except ValueError:
        return path.as_posix()


def list_bases(config: PonderConfig | None = None, *, cwd: Path | None = None) -> list[KnowledgeBase]:
    """Every base by name: configured ones and those indexed under ``.ponder/index`` (indexes are not loaded)."""
    from ponder.knowledge.registry import list_specs

    cwd = cwd or Path.cwd()
    return [KnowledgeBase(spec, base_dir=cwd) for spec in list_specs(config=config, cwd=cwd)]
