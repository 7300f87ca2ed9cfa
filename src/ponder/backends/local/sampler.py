"""Greedy sampling under a grammar at nearly the speed of free decoding.

llama-cpp-python applies a grammar to every one of the vocabulary's candidates before it picks a
token: for Qwen's 151,936 tokens that check costs about as much as the model's own forward pass
on two CPU cores, so a constrained tool call was written at about half the speed of free text.
llama.cpp's own sampler (``common_sampler_sample``) avoids this: it takes the token it would pick
without the grammar, asks the grammar about that one token, and only when the grammar refuses it
applies the grammar to the whole vocabulary and picks again. The result is the same token.
``GreedyGrammarSampler`` does that for greedy decoding (temperature 0, which tool calls use).
"""

from __future__ import annotations

import ctypes
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_cpp import Llama, LlamaGrammar


class GreedyGrammarSampler:
    """Stands in for llama-cpp-python's sampler chain (``sample(ctx, idx)``) for one generation."""

    def __init__(self, llama: Llama, grammar: LlamaGrammar) -> None:
        import llama_cpp
        import numpy as np

        self._lib = llama_cpp
        self._np = np
        self.n_vocab = int(llama.n_vocab())
        from ponder.backends.local import llama_adapter

        source, root = llama_adapter.grammar_source(grammar)
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            llama_adapter.vocab_pointer(llama), source.encode("utf-8"), root.encode("utf-8")
        )
        if not self._grammar:
            raise ValueError("llama.cpp refused the grammar")
        self._one = (llama_cpp.llama_token_data * 1)()
        self._all: Any = None

    def sample(self, ctx: Any, idx: int) -> int:
        lib, np = self._lib, self._np
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        token = int(np.argmax(logits))
        self._one[0] = lib.llama_token_data(token, float(logits[token]), 0.0)
        if not self._allows(self._one, 1):
            token = self._pick_allowed(logits)
        lib.llama_sampler_accept(self._grammar, token)
        return token

    def _allows(self, data: Any, size: int) -> bool:
        lib = self._lib
        candidates = lib.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)
        lib.llama_sampler_apply(self._grammar, ctypes.byref(candidates))
        return math.isfinite(data[0].logit)

    def _pick_allowed(self, logits: Any) -> int:
        """The best token the grammar allows, from the whole vocabulary."""
        lib, np = self._lib, self._np
        if self._all is None:
            self._all = (lib.llama_token_data * self.n_vocab)()
        view = np.frombuffer(self._all, dtype=np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)]))
        view["id"] = np.arange(self.n_vocab, dtype=np.int32)
        view["logit"] = logits
        candidates = lib.llama_token_data_array(data=self._all, size=self.n_vocab, selected=-1, sorted=False)
        lib.llama_sampler_apply(self._grammar, ctypes.byref(candidates))
        allowed = view["logit"][: candidates.size]
        return int(view["id"][int(np.argmax(allowed))])

    def close(self) -> None:
        if self._grammar:
            self._lib.llama_sampler_free(self._grammar)
            self._grammar = None

    def __del__(self) -> None:
        self.close()
