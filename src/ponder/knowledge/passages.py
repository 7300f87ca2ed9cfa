"""Retrieved passages with their sources, and the compact text a small model reads as a tool result."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ponder.knowledge.chunking import FILE_KEY, LINES_KEY, PAGES_KEY

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore

_BLANK_RUNS = re.compile(r"\n\s*\n\s*")


@dataclass(frozen=True)
class Passage:
    """One retrieved passage: its text and where it comes from."""

    text: str
    file: str
    lines: str = ""
    """``"12-30"`` for text files; empty for PDF (see ``pages``)."""
    pages: str = ""
    score: float | None = None
    node_id: str = ""

    @property
    def citation(self) -> str:
        """``docs/install.md:12-30`` or ``manual.pdf (p. 3)``: what a user needs to find the passage."""
        if self.lines:
            return f"{self.file}:{self.lines}"
        if self.pages:
            return f"{self.file} (p. {self.pages})"
        return self.file


def from_nodes(nodes: Sequence[NodeWithScore]) -> list[Passage]:
    from llama_index.core.schema import MetadataMode

    out = []
    for item in nodes:
        meta = item.node.metadata
        out.append(
            Passage(
                text=item.node.get_content(metadata_mode=MetadataMode.NONE),
                file=str(meta.get(FILE_KEY, item.node.ref_doc_id or "?")),
                lines=str(meta.get(LINES_KEY, "")),
                pages=str(meta.get(PAGES_KEY, "")),
                score=item.score,
                node_id=item.node.node_id,
            )
        )
    return out


def no_match_message(base: str, query: str) -> str:
    return (
        f'No passage in knowledge base "{base}" matches "{query}". '
        "The documents do not cover this: say so rather than guessing."
    )


def format_passages(passages: Sequence[Passage], *, base: str, query: str, max_chars: int = 3000) -> str:
    """Numbered passages, each under its citation, within ``max_chars`` (long passages are cut evenly)."""
    if not passages:
        return no_match_message(base, query)
    header = f'{len(passages)} passage{"s" if len(passages) != 1 else ""} from "{base}" for "{query}":'
    texts = [_BLANK_RUNS.sub("\n", p.text.strip()) for p in passages]
    overhead = len(header) + sum(len(p.citation) + 8 for p in passages)
    budget = max(200, (max_chars - overhead) // len(passages))
    blocks = [header]
    for number, (passage, text) in enumerate(zip(passages, texts, strict=True), start=1):
        if len(text) > budget:
            text = text[: budget - 1].rstrip() + "…"
        blocks.append(f"[{number}] {passage.citation}\n{text}")
    return "\n\n".join(blocks)
