"""Build the labelled retrieval set ``benchmarks/data/python_docs_qa.jsonl`` from Python's own documentation.

    apt-get install python3.11-doc                # Debian: the docs with their reStructuredText sources
    python benchmarks/make_retrieval_set.py       # reads /usr/share/doc/python3.11/html/_sources

Two kinds of real, human-written pairs, each a query -> the one document that answers it:
- ``faq``: Python's FAQ. Each question is a section heading and is answered by the text under it;
  the document is that text without the heading, so a search cannot just match the title.
- ``library``: the standard library reference. Each module page declares a one-line synopsis
  ("Read and write ZIP-format archive files."); the query is the synopsis, the document is the
  start of the page's own text (its first ``LIBRARY_CHARS`` characters) without the title and
  the synopsis.
The documents together are the corpus the benchmark indexes; a search is right when it finds a
passage of the query's own document. The output is committed, so the benchmark needs no Debian
package; this script shows how it was made and remakes it (the same sources give the same file).
The texts are (c) the Python Software Foundation, under the PSF licence.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

SOURCES = Path("/usr/share/doc/python3.11/html/_sources")
OUT = Path(__file__).resolve().parent / "data" / "python_docs_qa.jsonl"
LIBRARY_CHARS = 1500
SYNOPSIS = re.compile(r"^\s+:synopsis:\s*(.+)$", re.MULTILINE)
SEPARATOR = re.compile(r"^-{4,}\s*$", re.MULTILINE)
ADORNMENT = re.compile(r"^([=\-~^\"'`*+#])\1{3,}\s*$")
ROLE = re.compile(r":[a-z:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`")
LINK = re.compile(r"`([^`<]+?)\s*<[^>]+>`_+")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=Path, default=SOURCES)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not args.sources.is_dir():
        raise SystemExit(f"no documentation sources at {args.sources}: apt-get install python3.11-doc (or pass --sources)")
    pairs = []
    for path in sorted((args.sources / "faq").glob("*.rst.txt")):
        pairs += pairs_of(path.name.removesuffix(".rst.txt"), path.read_text(encoding="utf-8"))
    for path in sorted((args.sources / "library").glob("*.rst.txt")):
        pair = library_pair(path.name.removesuffix(".rst.txt"), path.read_text(encoding="utf-8"))
        if pair is not None:
            pairs.append(pair)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for pair in pairs:
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    print(f"wrote {len(pairs)} question -> answer pairs to {args.out}")


def pairs_of(page: str, text: str) -> list[dict[str, str]]:
    """(question, answer) for every section whose heading is a question."""
    lines = text.splitlines()
    headings = [i for i in range(1, len(lines)) if ADORNMENT.match(lines[i]) and lines[i - 1].strip() and not ADORNMENT.match(lines[i - 1])]
    pairs = []
    for n, at in enumerate(headings):
        title = lines[at - 1].strip()
        end = headings[n + 1] - 1 if n + 1 < len(headings) else len(lines)
        body = clean("\n".join(lines[at + 1 : end]))
        if title.endswith("?") and len(body) > 40:
            pairs.append({"id": f"faq-{page}-{len(pairs) + 1:03d}", "kind": "faq", "query": clean(title), "document": body})
    return pairs


def library_pair(module: str, text: str) -> dict[str, str] | None:
    """The module's synopsis -> the start of its page (after the header), or None for a page without one."""
    synopsis = SYNOPSIS.search(text)
    separator = SEPARATOR.search(text, synopsis.end()) if synopsis else None
    if synopsis is None:
        return None
    start = separator.end() if separator else synopsis.end()
    body = clean(re.sub(r"^\.\. [a-z]+::.*$|^\s+:[a-z]+:.*$", "", text[start:], flags=re.MULTILINE))
    cut = body[:LIBRARY_CHARS].rsplit("\n\n", 1)[0] if len(body) > LIBRARY_CHARS else body
    if len(cut) < 80:
        return None
    return {"id": f"library-{module}", "kind": "library", "query": clean(synopsis.group(1)), "document": cut}


def clean(text: str) -> str:
    """Plain text from reStructuredText: roles and links keep their words, directives and labels go."""
    kept = [line for line in text.splitlines() if not re.match(r"^\s*\.\. (_[^:]+:|index::|only::|contents::|highlight::)", line)]
    out = LINK.sub(r"\1", ROLE.sub(r"\1", "\n".join(kept)))
    out = out.replace("``", "`").replace("\\", "")
    return re.sub(r"\n{3,}", "\n\n", out).strip()


if __name__ == "__main__":
    main()
