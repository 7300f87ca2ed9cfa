"""A bundled, network-free tokenizer for chunking and token budgets.

LlamaIndex counts tokens with tiktoken by default (``get_tokenizer``); Ponder must work with no
network and never depend on tiktoken's encoding files, so chunk sizes are measured in the tokens
of this regex instead: words and single punctuation marks. It over-counts a model's tokens a
little for English prose and under-counts them for rare words, which is fine for chunk sizes.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+|[^\w\s]")


def word_tokens(text: str) -> list[str]:
    """Words and punctuation marks, in order."""
    return _TOKEN.findall(text)


def ensure_offline_tokenizer() -> None:
    """Give LlamaIndex a global tokenizer if it has none, so its internals never reach for tiktoken.

    Chat engines, response synthesizers and memories call ``get_tokenizer()`` inside their
    constructors; without a global tokenizer that loads tiktoken. An application that has set
    its own (for example a backend's real tokenizer) keeps it.
    """
    import llama_index.core
    from llama_index.core.utils import set_global_tokenizer

    if llama_index.core.global_tokenizer is None:
        set_global_tokenizer(word_tokens)
