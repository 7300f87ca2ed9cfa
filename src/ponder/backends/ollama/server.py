"""Where the Ollama server is and whether it answers (OLLAMA_HOST, default http://127.0.0.1:11434).

This module stays cheap to import: default-model selection and ``ponder models`` ask whether
Ollama answers and what it has pulled, and must not pay for LlamaIndex or the ``ollama``
client to do so (stdlib HTTP only). The backend itself lives in ``ollama.backend`` and is
imported when an ``ollama:`` model is actually used.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any
from urllib.parse import urlsplit

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434


def ollama_host() -> str:
    """OLLAMA_HOST as a URL: ``host:port``, ``:port`` or a bare host are accepted, as Ollama does."""
    raw = (os.environ.get("OLLAMA_HOST") or "").strip().rstrip("/")
    if not raw:
        return DEFAULT_HOST
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = "http", raw
    default_port = DEFAULT_PORT if not sep else (443 if scheme == "https" else 80)
    try:
        parts = urlsplit(f"{scheme}://{rest}")
        port = parts.port or default_port
    except ValueError:  # a malformed host or port: returned as written, for the backend to refuse by name
        return f"{scheme}://{rest}"
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}{parts.path}"


def ollama_answers(timeout: float) -> bool:
    """Whether an Ollama server answers at ``ollama_host()`` within ``timeout`` seconds."""
    data = _get("/api/version", timeout)
    return isinstance(data, dict) and "version" in data


def ollama_models(timeout: float) -> list[str] | None:
    """The models pulled into the Ollama server, or None when it does not answer."""
    data = _get("/api/tags", timeout)
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        return None
    return [str(m.get("name") or m.get("model")) for m in data["models"] if isinstance(m, dict)]


def _get(path: str, timeout: float) -> Any:
    url = ollama_host() + path
    host = urlsplit(url).hostname or ""
    # A proxy set for the internet must not swallow requests to a local server.
    handlers = [urllib.request.ProxyHandler({})] if host in ("127.0.0.1", "localhost", "::1") else []
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=timeout) as response:
            return json.loads(response.read())
    except (OSError, ValueError):  # URLError, timeouts, refused connections, not JSON
        return None
