"""``ollama:<model>``: a model served by Ollama.

``server`` finds the server and asks it cheap questions (stdlib HTTP only); ``backend`` is the
backend itself, imported only when an ``ollama:`` model is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ponder.backends.ollama.backend import OllamaBackend


def create(model: str, **options: Any) -> OllamaBackend:
    """``ollama:<model>``; options: host, timeout, context_window, keep_alive, max_retries."""
    from ponder.backends.ollama.server import ollama_host
    from ponder.backends.retry import check_url

    # Before the client is imported: the ``ollama`` package parses OLLAMA_HOST at import time.
    check_url(options.get("host") or ollama_host(), "host" if options.get("host") else "OLLAMA_HOST")
    from ponder.backends.ollama.backend import OllamaBackend

    return OllamaBackend(model, **options)
