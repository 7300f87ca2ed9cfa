"""Cutting a file's text into passages (LlamaIndex ``SentenceSplitter``) that know where they came from.

Each passage keeps its file and its line range (page range for PDF) in metadata, so a tool's
answer and a chat reply can cite ``docs/install.md:12-30``. Node ids are ``<file>#<n>``: stable
across re-indexing, readable in evals and in the benchmark's labelled questions.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING

from ponder.knowledge.reading import TextFile
from ponder.knowledge.tokens import word_tokens

if TYPE_CHECKING:
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import TextNode

FILE_KEY = "file"
LINES_KEY = "lines"
PAGES_KEY = "pages"


@lru_cache(maxsize=8)
def splitter(chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    """A ``SentenceSplitter`` that measures chunks with the bundled tokenizer (never tiktoken)."""
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        tokenizer=word_tokens,
        id_func=lambda i, doc: f"{doc.doc_id}#{i}",
        include_prev_next_rel=False,
    )


def chunk_file(key: str, content: TextFile, *, chunk_size: int, chunk_overlap: int) -> list[TextNode]:
    """The passages of one file, each with ``file`` and ``lines`` (or ``pages``) metadata."""
    from llama_index.core import Document
    from llama_index.core.schema import TextNode

    doc = Document(text=content.text, id_=key, metadata={FILE_KEY: key})
    nodes = splitter(chunk_size, chunk_overlap).get_nodes_from_documents([doc])
    line_starts = _line_starts(content.text)
    out: list[TextNode] = []
    for node in nodes:
        if not isinstance(node, TextNode):
            continue
        start, end = node.start_char_idx, node.end_char_idx
        if start is not None and end is not None:
            if content.page_starts:
                first, last = _position(content.page_starts, start), _position(content.page_starts, max(start, end - 1))
                node.metadata[PAGES_KEY] = f"{first}" if first == last else f"{first}-{last}"
            else:
                first, last = _position(line_starts, start), _position(line_starts, max(start, end - 1))
                node.metadata[LINES_KEY] = f"{first}-{last}"
        # The location helps a reader cite but is noise for ranking: keep it out of BM25 and embeddings.
        node.excluded_embed_metadata_keys = [LINES_KEY, PAGES_KEY]
        node.excluded_llm_metadata_keys = []
        out.append(node)
    return out


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _position(starts: tuple[int, ...] | list[int], offset: int) -> int:
    """1-based number of the line (or page) that holds ``offset``."""
    return bisect_right(starts, offset)
