"""The contract with llama-cpp-python's private attributes: fails loudly when an upgrade changes them.

Ponder reads llama-cpp-python's internals only through ``ponder.backends.local.llama_adapter``.
These tests check every name it uses against the installed version, so moving the pin in
pyproject.toml shows at once whether the adapter needs work.
"""

from __future__ import annotations

import pytest

llama_cpp = pytest.importorskip("llama_cpp", reason="the embedded model needs pip install 'ponder[local]'")

from ponder.backends.local import llama_adapter  # noqa: E402
from ponder.errors import BackendError  # noqa: E402


def test_a_grammar_still_carries_its_source_and_root() -> None:
    grammar = llama_cpp.LlamaGrammar.from_string('root ::= "yes" | "no"', verbose=False)
    assert llama_adapter.missing_grammar_attributes(grammar) == []
    source, root = llama_adapter.grammar_source(grammar)
    assert '"yes"' in source and root == "root"


def test_the_sampler_hook_is_still_a_method_of_llama() -> None:
    assert callable(getattr(llama_cpp.Llama, "_init_sampler", None)), "Llama._init_sampler is gone: see llama_adapter"


class _Stripped:
    """A stand-in for a future Llama that lost the attributes Ponder reads."""

    input_ids = n_tokens = None


def test_a_llama_without_the_attributes_is_refused_with_the_pin_to_use() -> None:
    with pytest.raises(BackendError) as info:
        llama_adapter.check(_Stripped())  # type: ignore[arg-type]
    assert "_ctx" in info.value.message and "_init_sampler" in info.value.message
    assert f"llama-cpp-python=={llama_adapter.TESTED_VERSION}" in info.value.fix


@pytest.mark.slow
def test_a_loaded_model_has_every_attribute_the_adapter_reads() -> None:
    from ponder.backends.local.backend import LocalBackend

    model = LocalBackend().load()
    assert llama_adapter.missing_attributes(model.llama) == []
    tokens = model.tokenize("Hello there")
    model.llama.eval(tokens)
    assert list(llama_adapter.cached_tokens(model.llama))[: len(tokens)] == tokens
    llama_adapter.forget_from(model.llama, 0)
    model.llama.n_tokens = 0
    assert list(llama_adapter.cached_tokens(model.llama)) == []
