"""A knowledge base as an agent tool: ``search_<name>(query)`` returns passages with their sources.

Retrieval only, no LLM inside the tool: the agent's own model reads the passages and answers,
which keeps a small local model to one generation per step and lets it cite ``file:lines``.
When nothing matches, the tool says so in words the model can pass on, instead of returning
loosely related text that invites an invented answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.knowledge.base import KnowledgeBase, list_bases
from ponder.knowledge.passages import format_passages
from ponder.tools.base import Tool

if TYPE_CHECKING:
    from ponder.config import PonderConfig

DEFAULT_MAX_CHARS = 3000
TOOL_SOURCE = "knowledge"


def tool_name(base_name: str) -> str:
    """``search_<name>`` with anything but letters, digits and ``_`` turned into ``_``."""
    return "search_" + (re.sub(r"\W+", "_", base_name).strip("_").lower() or "knowledge")


def knowledge_tool(base: KnowledgeBase, *, max_chars: int = DEFAULT_MAX_CHARS) -> Tool:
    """The tool for one base. Its index is read at the first call, not here."""

    def search(query: str) -> str:
        """Search the knowledge base.

        Args:
            query: what to look for: a question or a few keywords
        """
        return format_passages(base.search(query), base=base.name, query=query, max_chars=max_chars)

    description = (
        f"Search {base.describe()} and return the passages relevant to a query, each with its source "
        "(file and line range). Use it before answering questions about these documents."
    )
    tool = Tool.from_function(search, name=tool_name(base.name), description=description, source=TOOL_SOURCE)
    tool.opt_in = True  # it reads the user's files: enabled by name (--tools search_NAME, knowledge:)
    tool.metadata["knowledge_base"] = base.name
    return tool


def knowledge_tools(
    names: Sequence[str] | None = None,
    *,
    config: PonderConfig | None = None,
    cwd: Path | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[Tool]:
    """One tool per base: the named ones (raising ``KnowledgeBaseNotFound`` for an unknown name), or all known."""
    cwd = cwd or Path.cwd()
    if names is None:
        bases = list_bases(config, cwd=cwd)
    else:
        bases = [KnowledgeBase.open(name, config=config, cwd=cwd) for name in names]
    return [knowledge_tool(base, max_chars=max_chars) for base in bases]


def registered_tools() -> list[Tool]:
    """The ``ponder.tools`` entry point: a ``search_<name>`` tool for every base of the working directory.

    Cheap (no index is loaded) and quiet: a base whose index is broken still gets its tool,
    which reports the problem when called.
    """
    return knowledge_tools()
