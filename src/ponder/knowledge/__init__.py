"""Knowledge bases: the user's documents, indexed with LlamaIndex, searched offline by default.

- ``ponder index PATH --name NAME`` (or ``KnowledgeBase.index``) builds a persistent index,
  re-reading only files that changed;
- ``knowledge_tool`` / ``knowledge_tools`` give an agent ``search_<name>`` tools that return
  passages with their sources;
- ``open_chat`` is the chat mode: a conversation over one base, answers with sources.

Names are re-exported lazily: importing this package does not import LlamaIndex.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder._lazy import lazy_getattr

_EXPORTS = {
    "KnowledgeBase": "ponder.knowledge.base",
    "list_bases": "ponder.knowledge.base",
    "IndexReport": "ponder.knowledge.indexing",
    "build_index": "ponder.knowledge.indexing",
    "Passage": "ponder.knowledge.passages",
    "KnowledgeSpec": "ponder.knowledge.registry",
    "find_spec": "ponder.knowledge.registry",
    "list_specs": "ponder.knowledge.registry",
    "knowledge_tool": "ponder.knowledge.tool",
    "knowledge_tools": "ponder.knowledge.tool",
    "KnowledgeChat": "ponder.knowledge.chat",
    "KnowledgeReply": "ponder.knowledge.chat",
    "open_chat": "ponder.knowledge.chat",
}

if TYPE_CHECKING:
    from ponder.knowledge.base import KnowledgeBase, list_bases
    from ponder.knowledge.chat import KnowledgeChat, KnowledgeReply, open_chat
    from ponder.knowledge.indexing import IndexReport, build_index
    from ponder.knowledge.passages import Passage
    from ponder.knowledge.registry import KnowledgeSpec, find_spec, list_specs
    from ponder.knowledge.tool import knowledge_tool, knowledge_tools

__all__ = [
    "IndexReport",
    "KnowledgeBase",
    "KnowledgeChat",
    "KnowledgeReply",
    "KnowledgeSpec",
    "Passage",
    "build_index",
    "find_spec",
    "knowledge_tool",
    "knowledge_tools",
    "list_bases",
    "list_specs",
    "open_chat",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
