"""What ``/knowledge`` lists: the knowledge bases the chat can use.

The knowledge feature lives elsewhere (``ponder.knowledge``); the REPL only asks it. The
contract is one function, ``ponder.knowledge.list_bases(config)``, returning objects with a
``name`` and a ``description``. Other providers can ``register`` a lister too. Until one is
installed, the chat says there is none.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ponder.config import PonderConfig


@dataclass(frozen=True)
class KnowledgeBase:
    name: str
    description: str


Lister = Callable[["PonderConfig | None"], list[Any]]
_LISTERS: list[Lister] = []


def register(lister: Lister) -> None:
    """Add a source of knowledge bases (called by a plugin at import)."""
    _LISTERS.append(lister)


def _default_lister() -> Lister | None:
    try:
        module = importlib.import_module("ponder.knowledge")
    except ImportError:
        return None
    fn = getattr(module, "list_bases", None)
    return fn if callable(fn) else None


def list_bases(config: PonderConfig | None) -> list[KnowledgeBase]:
    listers = list(_LISTERS)
    default = _default_lister()
    if default is not None:
        listers.insert(0, default)
    found: dict[str, KnowledgeBase] = {}
    for lister in listers:
        for item in lister(config):
            name = str(getattr(item, "name", item))
            found.setdefault(
                name, KnowledgeBase(name=name, description=str(getattr(item, "description", "")))
            )
    return list(found.values())
