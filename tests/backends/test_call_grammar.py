"""Constrained decoding starts only at a tool call's head, never on a JSON answer."""

from __future__ import annotations

import pytest

from ponder.backends.local.grammar import CallWatch, call_schema


def watch(pieces: list[str]) -> tuple[str, int | None]:
    w = CallWatch()
    out = ""
    for piece in pieces:
        out += w.feed(piece)
        if w.start is not None:
            return out, w.start
    return out + w.flush(), None


@pytest.mark.parametrize(
    "pieces",
    [
        ["{", "\n  ", '"name', '":', ' "calc"'],
        ["Sure:\n", "```json\n", "{", '"name": "calc"'],
        ["<tool_call>\n", '{"name"', ": "],
    ],
)
def test_a_call_head_starts_the_constrained_part_at_its_brace(pieces: list[str]) -> None:
    shown, start = watch(pieces)
    assert start is not None
    assert shown == "".join(pieces)[:start]
    assert "{" not in shown  # the head is held back, then written again under the grammar


@pytest.mark.parametrize(
    "pieces",
    [
        ["{", '"a"', ": 3, ", '"b": 4}'],
        ["```json\n", "{", "\n  ", '"nam', 'es": [1]}', "\n```"],
        ["The set {1, 2} ", "has two items."],
    ],
)
def test_json_that_is_not_a_call_is_passed_on_whole(pieces: list[str]) -> None:
    shown, start = watch(pieces)
    assert start is None
    assert shown == "".join(pieces)


def test_the_call_schema_allows_only_the_offered_tools_and_their_parameters() -> None:
    from ponder.tools.builtin.calculator import calculator

    schema = call_schema([calculator])
    assert schema["properties"]["name"] == {"const": "calculator"}
    assert schema["properties"]["arguments"]["additionalProperties"] is False
