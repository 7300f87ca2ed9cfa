"""Action extraction reads every shape a model writes a call in, and never raises."""

from __future__ import annotations

import pytest

from ponder.agents.actions import (
    complete_action_end,
    extract_actions,
    final_answer,
    mentioned_tool,
    runaway_end,
)

CALL = {"name": "add", "arguments": {"a": 1, "b": 2}}


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n</tool_call>',
        '<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}',  # closing tag cut by a stop sequence
        'Sure.\n```json\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n```',
        '```\n{"name": "add", "parameters": {"a": 1, "b": 2}}\n```',
        'Thought: add them\nAction: add\nAction Input: {"a": 1, "b": 2}',
        'I will call {"name": "add", "arguments": {"a": 1, "b": 2}} now',
        '{"function": {"name": "add", "arguments": "{\\"a\\": 1, \\"b\\": 2}"}}',
        "add(a=1, b=2)",
        "<tool_call>{'name': 'add', 'arguments': {'a': 1, 'b': 2,}}</tool_call>",  # python quotes, trailing comma
        '{"tool": "add", "tool_input": {"a": 1, "b": 2}}',
    ],
)
def test_reads_a_call_in_every_supported_shape(text: str) -> None:
    found = extract_actions(text, ["add"])
    assert found.error is None
    assert [(c.name, c.arguments) for c in found.calls] == [("add", {"a": 1, "b": 2})]


def test_reads_several_calls_from_a_json_list() -> None:
    found = extract_actions('```json\n[{"name": "add", "arguments": {}}, {"name": "divide", "arguments": {}}]\n```')
    assert [c.name for c in found.calls] == ["add", "divide"]


def test_keeps_the_thought_before_the_call() -> None:
    found = extract_actions('Thought: I need the sum.\n<tool_call>{"name": "add", "arguments": {}}</tool_call>')
    assert found.thought == "I need the sum."


@pytest.mark.parametrize(
    "text",
    [
        "<tool_call>this is not json at all</tool_call>",
        "Action: add\nThe input is one and two",
        '```json\n{"name": 5, "arguments": }\n```',
    ],
)
def test_an_attempted_but_unreadable_call_is_an_error_not_an_answer(text: str) -> None:
    found = extract_actions(text, ["add"])
    assert not found.calls
    assert found.error


def test_plain_text_is_an_answer() -> None:
    found = extract_actions("The sum is 3.", ["add"])
    assert found.is_answer


def test_json_in_an_answer_is_not_taken_for_a_call_of_an_unknown_tool() -> None:
    found = extract_actions('Here is your config: {"name": "server", "port": 80}', ["add"])
    assert found.is_answer


def test_final_answer_strips_react_scaffolding() -> None:
    assert final_answer("Thought: I know it now.\nFinal Answer: 42") == "42"
    assert final_answer("Answer: yes") == "yes"


def test_a_half_streamed_call_is_not_complete_until_its_json_closes() -> None:
    partial = '<tool_call>{"name": "add", "arguments": {"a": 1'
    assert complete_action_end(partial, ["add"]) is None
    whole = partial + ', "b": 2}}'
    assert complete_action_end(whole, ["add"]) == len(whole)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("It is 1" + "0" * 70, "It is 1000"),
        ("It is 12" + "0" * 24, "It is 12000"),
        ("Avogadro: 602214076" + "0" * 15, None),
        ("Sure. " + "the " * 20, "Sure. the the the "),
        ("| a | b |\n|" + "---|" * 40, None),
        ("=" * 120, None),
        ("def f():\n" + " " * 100 + "return 1", None),
        ("An ordinary answer that says what it has to say once and stops.", None),
    ],
)
def test_a_runaway_repetition_is_cut_after_its_third_repeat(text: str, kept: str | None) -> None:
    end = runaway_end(text)
    assert (text[:end] if end is not None else None) == kept


@pytest.mark.parametrize(
    "text, named",
    [
        ("The function `calculate_circumference` takes a radius.", "calculate_circumference"),
        ("Call geometry.area_circle(radius=10) to get it.", "geometry_area_circle"),
        ("I cannot use the calculate circumference tool.", None),
        ("x = my_calculate_circumference(4)", None),
    ],
)
def test_a_tool_named_as_code_is_found_but_a_plain_word_mention_is_not(text: str, named: str | None) -> None:
    assert mentioned_tool(text, ["calculate_circumference", "geometry_area_circle"]) == named


def test_a_call_written_as_python_with_positional_arguments_is_read() -> None:
    from ponder.tools.builtin.calculator import calculator

    found = extract_actions('```python\ncalculator("23.4 * 37.5")\n```', {"calculator": calculator})
    assert [(c.name, c.arguments) for c in found.calls] == [("calculator", {"expression": "23.4 * 37.5"})]
    assert found.thought == ""


def test_more_positional_arguments_than_parameters_is_not_a_call() -> None:
    from ponder.tools.builtin.calculator import calculator

    assert extract_actions('calculator("1+1", 3)', {"calculator": calculator}).calls == []
