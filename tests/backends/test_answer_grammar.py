"""The grammar of a typed answer on the embedded model: the answer alone, or a call or the answer.

These check the grammar llama.cpp is given; ``test_local_structured.py`` runs it on the real model.
"""

from __future__ import annotations

from enum import StrEnum

import pytest
from pydantic import BaseModel

from ponder.agents.output import OutputType
from ponder.tools.builtin.calculator import calculator

pytest.importorskip("llama_cpp", reason="the embedded model needs pip install 'ponder[local]'")

from ponder.backends.local import llama_adapter  # noqa: E402
from ponder.backends.local.grammar import answer_grammar  # noqa: E402


class Level(StrEnum):
    LOW = "low"
    HIGH = "high"


class Person(BaseModel):
    name: str
    email: str | None = None


class Issue(BaseModel):
    level: Level
    owner: Person
    labels: list[str]


def source(schema: dict[str, object], tools: list[object] | None = None) -> str:
    grammar = answer_grammar(schema, tools or [])  # type: ignore[arg-type]
    assert grammar is not None
    return llama_adapter.grammar_source(grammar)[0]


def test_the_answer_alone_is_the_root() -> None:
    gbnf = source(Issue.model_json_schema())
    assert "root ::= answer\n" in gbnf
    assert 'Level ::= "\\"low\\"" | "\\"high\\""' in gbnf, "enum values are the only choices"
    assert "call" not in gbnf


def test_with_tools_the_reply_is_calls_in_the_models_own_tags_a_bare_call_or_the_answer() -> None:
    gbnf = source(Issue.model_json_schema(), [calculator])
    assert 'root ::= "<tool_call>" "\\n"? call ( "</tool_call>" ( "\\n<tool_call>\\n" call "</tool_call>" )* )? | call | answer' in gbnf
    assert 'call-name ::= "\\"calculator\\""' in gbnf


def test_strings_hold_no_raw_control_characters() -> None:
    assert 'char ::= [^"\\\\\\x7F\\x00-\\x1F]' in source(Issue.model_json_schema())


def test_a_wrapped_scalar_list_converts() -> None:
    gbnf = source(OutputType.of(list[int]).wire_schema)  # type: ignore[union-attr]
    assert '"\\"value\\""' in gbnf


def test_the_grammar_is_built_once_per_schema_and_tools() -> None:
    schema = Issue.model_json_schema()
    assert answer_grammar(schema, [calculator]) is answer_grammar(schema, [calculator])
    assert answer_grammar(schema, []) is not answer_grammar(schema, [calculator])


def test_a_schema_llama_cpp_cannot_convert_gives_no_grammar() -> None:
    assert answer_grammar({"$ref": "https://example.com/schema.json"}) is None


def test_the_local_backend_picks_the_answer_alone_when_the_loop_wants_the_answer() -> None:
    from ponder.backends.local.backend import LocalBackend
    from tests.backends.streams import ask

    backend = LocalBackend("qwen2.5-coder-1.5b")  # not loaded: only the choice of grammar is tested
    schema = Issue.model_json_schema()
    assert backend._answer_grammar(ask("x"), [calculator]) is None, "no answer schema, no answer grammar"
    assert backend._answer_grammar(ask("x", answer_schema=schema), [calculator]) is answer_grammar(schema, [calculator])
    assert backend._answer_grammar(ask("x", answer_schema=schema, answer_only=True), [calculator]) is answer_grammar(schema)
    free = LocalBackend("qwen2.5-coder-1.5b", constrain_calls=False)
    assert free._answer_grammar(ask("x", answer_schema=schema), [calculator]) is None
    assert free._answer_grammar(ask("x", answer_schema=schema, answer_only=True), [calculator]) is not None


def test_a_required_call_leaves_the_answer_grammar_aside_for_the_tools_grammar() -> None:
    from ponder.backends.local.backend import LocalBackend
    from tests.backends.streams import ask

    backend = LocalBackend("qwen2.5-coder-1.5b")  # not loaded: only the choice of grammar is tested
    required = ask("x", answer_schema=Issue.model_json_schema(), require_call=True)
    assert backend._answer_grammar(required, [calculator]) is None
