"""`scripted:<module>:<factory>` models: replies from a function any process can import and rebuild."""

from __future__ import annotations

import pytest

from ponder.agents.spec import AgentSpec
from ponder.backends.registry import resolve_backend
from ponder.errors import InputError

MULTIPLY_ADD = "scripted:ponder.testing.responders:multiply_add"


def test_a_responder_named_by_module_and_factory_answers_in_three_steps() -> None:
    backend = resolve_backend(MULTIPLY_ADD)
    result = AgentSpec(tools=["calculator"]).build(backend=backend).run("What is 12 * 7 + 5?")
    assert result.answer == "The answer is 89."
    assert [c.arguments for c in result.trajectory] == [{"expression": "12 * 7"}, {"expression": "84 + 5"}]
    assert result.usage.model_calls == 3


def test_query_parameters_reach_the_factory() -> None:
    import time

    backend = resolve_backend(f"{MULTIPLY_ADD}?delay=0.2")
    started = time.perf_counter()
    AgentSpec(tools=["calculator"]).build(backend=backend).run("What is 1 * 2 + 3?")
    assert time.perf_counter() - started >= 0.6  # three calls of 0.2 s


def test_two_backends_from_one_name_have_one_identity_that_names_the_module_code() -> None:
    first, second = resolve_backend(MULTIPLY_ADD), resolve_backend(MULTIPLY_ADD)
    assert first.identity() == second.identity()
    assert len(first.identity()["source"]) == 16  # the digest of responders.py


def test_a_module_that_cannot_be_imported_is_an_input_error() -> None:
    with pytest.raises(InputError, match="cannot import no_such_module:factory"):
        resolve_backend("scripted:no_such_module:factory")


def test_a_parameter_the_factory_does_not_take_is_an_input_error() -> None:
    with pytest.raises(InputError, match="failed") as caught:
        resolve_backend(f"{MULTIPLY_ADD}?speed=3")
    assert "parameters the factory takes" in caught.value.fix
