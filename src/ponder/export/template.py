"""A GGUF's own chat template, read from its metadata and rendered as llama.cpp renders it.

The template is read by llama-cpp-python with ``vocab_only=True``: the metadata and the
vocabulary (for the end-of-turn token), not the weights; a few seconds for the embedded model.
Rendering goes through llama-cpp-python's ``Jinja2ChatFormatter``, the code path the embedded
backend uses, so an example that renders here renders the same way when the model is served.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ponder.errors import ConfigError, MissingDependency


@dataclass(frozen=True)
class ChatTemplate:
    template: str
    eos_token: str
    bos_token: str
    source: str
    """Where the template came from (the GGUF's path)."""

    @classmethod
    def from_gguf(cls, path: Path) -> ChatTemplate:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise MissingDependency(
                "reading a GGUF's chat template needs llama-cpp-python", fix="pip install 'ponder[local]', or pass --no-template-check"
            ) from None
        with _quiet_stderr():
            llama = Llama(model_path=str(path), vocab_only=True, verbose=False)
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ConfigError(f"{path} has no chat template", fix="pass the GGUF of an instruct model (one with a chat template)")
        eos = llama.detokenize([llama.token_eos()], special=True).decode("utf-8", "replace")
        bos_id = llama.token_bos()
        bos = llama.detokenize([bos_id], special=True).decode("utf-8", "replace") if bos_id >= 0 else ""
        return cls(template=template, eos_token=eos, bos_token=bos, source=str(path))

    def render(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> str:
        """The prompt text for a whole conversation (no generation prompt: the last turn is the model's)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(
            template=self.template, eos_token=self.eos_token, bos_token=self.bos_token, add_generation_prompt=False
        )
        return str(formatter(messages=messages, tools=tools or None).prompt)  # type: ignore[arg-type]  # plain dicts, as the template reads them


def embedded_model_template() -> ChatTemplate:
    """The chat template of Ponder's embedded model (``local:qwen2.5-coder-1.5b``), assembling the model file if needed."""
    from ponder.backends.local.files import ensure_model_file, rich_progress

    with rich_progress() as progress:
        path = ensure_model_file(progress=progress)
    return ChatTemplate.from_gguf(path)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """llama.cpp logs from C straight to file descriptor 2; keep its context notes off the user's terminal."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a captured stderr without a descriptor
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
