"""Every use of llama-cpp-python's private attributes, in one place.

Ponder reaches past llama-cpp-python's public API for three things it does not offer: the KV
cache's token list and sequence state (saved prompt prefixes), the sampler hook (fast greedy
sampling under a grammar) and a grammar's source text (to hand it to llama.cpp's own sampler).
Those names can change in any release, so they are read only here, ``check`` names the ones a
loaded model lacks, and ``tests/backends/test_llama_adapter.py`` fails loudly when an upgrade
changes them. ``TESTED_VERSION`` is the version the contract was last checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ponder.errors import BackendError

if TYPE_CHECKING:
    from llama_cpp import Llama, LlamaGrammar

TESTED_VERSION = "0.3.36"
LLAMA_ATTRIBUTES = ("_model", "_ctx", "_input_ids", "_init_sampler", "_requires_eval", "input_ids", "n_tokens")
GRAMMAR_ATTRIBUTES = ("_grammar", "_root")


def installed_version() -> str:
    import llama_cpp

    return str(getattr(llama_cpp, "__version__", "unknown"))


def missing_attributes(llama: Llama) -> list[str]:
    """The private attributes Ponder uses that ``llama`` (a loaded model) lacks."""
    missing = [name for name in LLAMA_ATTRIBUTES if not hasattr(llama, name)]
    ctx = getattr(llama, "_ctx", None)
    if ctx is not None:
        missing += [f"_ctx.{name}" for name in ("ctx", "kv_cache_seq_rm") if not hasattr(ctx, name)]
    model = getattr(llama, "_model", None)
    if model is not None:
        missing += [f"_model.{name}" for name in ("vocab", "token_get_text") if not hasattr(model, name)]
    return missing


def missing_grammar_attributes(grammar: LlamaGrammar) -> list[str]:
    """The private attributes Ponder uses that a ``LlamaGrammar`` lacks."""
    return [name for name in GRAMMAR_ATTRIBUTES if not hasattr(grammar, name)]


def check(llama: Llama) -> None:
    """Raise a ``BackendError`` naming the fix when this llama-cpp-python lacks what Ponder uses."""
    missing = missing_attributes(llama)
    if missing:
        raise BackendError(
            f"llama-cpp-python {installed_version()} lacks what Ponder uses ({', '.join(missing)}); "
            f"Ponder was checked against {TESTED_VERSION}",
            fix=f"pip install 'llama-cpp-python=={TESTED_VERSION}' (or reinstall 'ponder[local]')",
        )


# -- the model ----------------------------------------------------------------------------------
def token_text(llama: Llama, token: int) -> str:
    return str(llama._model.token_get_text(token))


def vocab_pointer(llama: Llama) -> Any:
    return llama._model.vocab


def context_pointer(llama: Llama) -> Any:
    return llama._ctx.ctx


def replace_sampler(llama: Llama, choose: Callable[[Callable[..., Any], dict[str, Any]], Any]) -> bool:
    """Route sampler construction through ``choose(stock, options)``; False if there is no hook."""
    stock = getattr(llama, "_init_sampler", None)
    if stock is None:
        return False

    def init_sampler(**options: Any) -> Any:
        return choose(stock, options)

    llama._init_sampler = init_sampler  # type: ignore[method-assign,assignment]
    return True


# -- the KV cache -------------------------------------------------------------------------------
def cached_tokens(llama: Llama) -> Sequence[int]:
    """The tokens whose keys and values the live KV cache holds, in order."""
    tokens: Sequence[int] = llama._input_ids[: int(llama.n_tokens)].tolist()
    return tokens


def forget_from(llama: Llama, position: int) -> None:
    """Drop the KV cache from ``position`` on (``-1``: every sequence)."""
    llama._ctx.kv_cache_seq_rm(-1, position, -1)


def expect_decode(llama: Llama) -> None:
    """No logits are valid now: the next generation must decode before it samples."""
    llama._requires_eval = True


def set_cached_tokens(llama: Llama, tokens: Sequence[int]) -> None:
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)


# -- grammars -----------------------------------------------------------------------------------
def grammar_source(grammar: LlamaGrammar) -> tuple[str, str]:
    """(GBNF text, root rule) of a ``LlamaGrammar``, for llama.cpp's own grammar sampler."""
    return str(grammar._grammar), str(grammar._root)
