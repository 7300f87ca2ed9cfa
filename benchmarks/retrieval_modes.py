"""BM25, vector and hybrid retrieval side by side on labelled sets (run through ``benchmarks/knowledge.py``).

Every mode reads the same passages (same chunking) and retrieves five per query with no score
cutoff; a query is hit at k when a passage of its own document is among the first k. Each set is
indexed twice: BM25 alone, and hybrid (BM25 plus vectors); the vector and the hybrid retrievers
both read the hybrid index, so its build time is the vector build time plus BM25's. Vectors come
from the bundled all-MiniLM-L6-v2 (``local:all-minilm-l6-v2``), loaded once before any timing,
so build times compare indexing work only.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "knowledge-base"
QUESTIONS = ROOT / "evals" / "knowledge_questions.yaml"
PYTHON_DOCS = Path(__file__).resolve().parent / "data" / "python_docs_qa.jsonl"
TOP_K = 5


def labelled_sets(work: Path) -> dict[str, tuple[Path, list[tuple[str, set[str]]]]]:
    """name -> (corpus folder, [(query, file keys that answer it)])."""
    shipped = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    sets = {
        "shipped docs": (
            DOCS,
            [(q["question"], {_key(DOCS / name) for name in q["expected"]}) for q in shipped if q["expected"]],
        )
    }
    corpus = work / "python-docs"
    queries = []
    for line in PYTHON_DOCS.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        path = corpus / pair["kind"] / f"{pair['id']}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pair["document"] + "\n", encoding="utf-8")
        queries.append((pair["query"], {_key(path)}))
    sets["python docs"] = (corpus, queries)
    return sets


def _key(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def compare_modes(modes: list[str]) -> dict[str, Any]:
    from ponder.knowledge.embeddings import resolve_embedding
    from ponder.knowledge.local_embedding import DEFAULT_EMBED_MODEL

    work = Path(tempfile.mkdtemp(prefix="ponder-kb-modes-"))
    try:
        figures: dict[str, Any] = {}
        vectors = any(m != "bm25" for m in modes)
        if vectors:
            started = time.perf_counter()
            resolve_embedding(DEFAULT_EMBED_MODEL).get_text_embedding("warm up")
            figures["embedding model load_s (import + load, once per process)"] = round(time.perf_counter() - started, 2)
        for name, (corpus, queries) in labelled_sets(work).items():
            # two builds per set: BM25 alone, and hybrid (BM25 + vectors); the vector and hybrid
            # retrievers both read the hybrid index, so the passages are embedded once
            builds = {"bm25": _build(work, name, corpus, "bm25")}
            if vectors:
                builds["hybrid"] = _build(work, name, corpus, "hybrid")
            figures[name] = {mode: _measure(builds["bm25" if mode == "bm25" else "hybrid"], mode, queries) for mode in modes}
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build(work: Path, set_name: str, corpus: Path, mode: str) -> tuple[Any, float, int]:
    from ponder.knowledge.base import KnowledgeBase
    from ponder.knowledge.local_embedding import DEFAULT_EMBED_MODEL
    from ponder.knowledge.manifest import IndexSettings
    from ponder.knowledge.registry import KnowledgeSpec

    name = f"{set_name.replace(' ', '-')}-{mode}"
    settings = IndexSettings(retrieval=mode, embed_model=None if mode == "bm25" else DEFAULT_EMBED_MODEL)  # type: ignore[arg-type]
    kb = KnowledgeBase(KnowledgeSpec(name=name, index_dir=work / "index" / name, paths=[corpus], settings=settings), base_dir=ROOT)
    started = time.perf_counter()
    report = kb.index()
    return kb, time.perf_counter() - started, report.passages


def _retriever(kb: Any, mode: str) -> Any:
    """BM25, vector or hybrid retrieval of five passages with no score cutoff, from a built index."""
    from ponder.knowledge import retrieval
    from ponder.knowledge.retrieval import RetrievalOptions

    info, index_dir = kb.info, kb.spec.index_dir
    bm25 = lambda: retrieval._bm25(index_dir, info, TOP_K, 0.0)  # noqa: E731
    vector = lambda: retrieval._vector(index_dir, info, TOP_K)  # noqa: E731
    if mode == "bm25":
        return retrieval.load_retriever(index_dir, info, RetrievalOptions(top_k=TOP_K, min_coverage=0.0))
    if mode == "vector":
        return vector()
    return retrieval._fused([vector(), bm25()], TOP_K)


def _measure(build: tuple[Any, float, int], mode: str, queries: list[tuple[str, set[str]]]) -> dict[str, Any]:
    kb, seconds, passages = build
    retriever = _retriever(kb, mode)
    ranks: list[int | None] = []
    latencies = []
    for query, answers in queries:
        started = time.perf_counter()
        found = retriever.retrieve(query)
        latencies.append(time.perf_counter() - started)
        files = [n.node.node_id.rsplit("#", 1)[0] for n in found]
        ranks.append(next((i + 1 for i, f in enumerate(files) if f in answers), None))
    n = len(ranks)
    return {
        "queries": n,
        "passages": passages,
        "hit@1": round(sum(r == 1 for r in ranks) / n, 3),
        "hit@3": round(sum(r is not None and r <= 3 for r in ranks) / n, 3),
        "hit@5": round(sum(r is not None for r in ranks) / n, 3),
        "mrr@5": round(statistics.mean(1 / r if r else 0.0 for r in ranks), 3),
        "build_s": round(seconds, 2),
        "passages_per_s": round(passages / seconds, 1),
        "query_ms_p50": round(statistics.median(latencies) * 1000, 1),
    }


def markdown_table(figures: dict[str, Any]) -> str:
    lines = [
        "| set | mode | queries | passages | hit@1 | hit@3 | hit@5 | MRR@5 | build s | passages/s | query ms p50 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for set_name, by_mode in figures.items():
        if not isinstance(by_mode, dict):
            continue
        for mode, f in by_mode.items():
            lines.append(
                f"| {set_name} | {mode} | {f['queries']} | {f['passages']} | {f['hit@1']} | {f['hit@3']} | {f['hit@5']} "
                f"| {f['mrr@5']} | {f['build_s']} | {f['passages_per_s']} | {f['query_ms_p50']} |"
            )
    return "\n".join(lines)
