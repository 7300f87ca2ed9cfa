"""The REPL's side of knowledge bases: list them, attach one as a search tool, or chat over one.

The knowledge feature lives in ``ponder.knowledge``; the REPL only asks it. Listing uses one
function, ``ponder.knowledge.list_bases(config)``, returning objects with a ``name`` and a
``description``; other providers can ``register`` a lister too. Until one is installed, the
chat says there is none.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ponder.errors import MissingDependency

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage

    from ponder.backends.base import Backend
    from ponder.config import PonderConfig
    from ponder.knowledge.chat import KnowledgeChat
    from ponder.tools.base import Tool


@dataclass(frozen=True)
class KnowledgeBase:
    name: str
    description: str


Lister = Callable[["PonderConfig | None"], list[Any]]
_LISTERS: list[Lister] = []


def register(lister: Lister) -> None:
    """Add a source of knowledge bases (called by a plugin at import)."""
    _LISTERS.append(lister)


def _knowledge_module() -> Any | None:
    try:
        return importlib.import_module("ponder.knowledge")
    except ImportError:
        return None


def list_bases(config: PonderConfig | None) -> list[KnowledgeBase]:
    listers = list(_LISTERS)
    module = _knowledge_module()
    default = getattr(module, "list_bases", None)
    if callable(default):
        listers.insert(0, default)
    found: dict[str, KnowledgeBase] = {}
    for lister in listers:
        for item in lister(config):
            name = str(getattr(item, "name", item))
            found.setdefault(
                name, KnowledgeBase(name=name, description=str(getattr(item, "description", "")))
            )
    return list(found.values())


def _require() -> Any:
    module = _knowledge_module()
    if module is None:
        raise MissingDependency("knowledge bases are not available in this install", fix="pip install ponder")
    return module


def search_tool(name: str, config: PonderConfig | None) -> Tool:
    """The ``search_<name>`` tool for a base (raises ``KnowledgeBaseNotFound`` with the fix)."""
    module = _require()
    from ponder.knowledge.tool import knowledge_tool

    tool: Tool = knowledge_tool(module.KnowledgeBase.open(name, config=config))
    return tool


def open_mode(
    backend: Backend, name: str, config: PonderConfig | None, *, history: Sequence[ChatMessage] = ()
) -> KnowledgeChat:
    """The chat mode over base ``name`` with ``backend``'s model, continuing ``history``."""
    module = _require()
    chat: KnowledgeChat = module.open_chat(backend, name, config=config)
    if history:
        set_history(chat, history)
    return chat


def set_history(chat: KnowledgeChat, messages: Sequence[ChatMessage]) -> None:
    """Replace the knowledge chat's conversation (for --resume, /load, /retry, /model).

    LlamaIndex's chat engines only take a history with each call; their memory is the one
    place that holds it between calls.
    """
    memory = chat.engine._memory
    memory.set(list(messages))
