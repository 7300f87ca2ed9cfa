"""Is each backend usable right now? For ``ponder models`` and default selection."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class BackendStatus:
    spec: str
    usable: bool
    detail: str


def backend_statuses() -> list[BackendStatus]:
    from ponder.backends.local.files import local_model_status
    from ponder.backends.ollama.server import ollama_host, ollama_models
    from ponder.backends.selection import DEFAULT_LOCAL_MODEL, DEFAULT_OPENAI_MODEL

    out = []
    key = bool(os.environ.get("OPENAI_API_KEY"))
    custom = os.environ.get("OPENAI_BASE_URL")
    base = custom or "https://api.openai.com/v1"
    usable = key or bool(custom)
    out.append(
        BackendStatus(
            f"openai:{DEFAULT_OPENAI_MODEL}",
            usable,
            f"{'OPENAI_API_KEY set' if key else 'no key needed'}, {base}"
            if usable
            else "set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server)",
        )
    )
    models = ollama_models(timeout=0.5)
    if models is None:
        out.append(BackendStatus("ollama:<model>", False, f"no Ollama at {ollama_host()}: run `ollama serve` or set OLLAMA_HOST"))
    else:
        out.append(BackendStatus("ollama:<model>", bool(models), "pulled: " + (", ".join(models) or "none (ollama pull qwen2.5)")))
    ok, detail = local_model_status()
    out.append(BackendStatus(f"local:{DEFAULT_LOCAL_MODEL}", ok, detail))
    out.append(BackendStatus("scripted:<file.yaml>", True, "replays scripted replies (tests and offline demos)"))
    return out
