"""Action extraction reads every shape a model writes a call in, and never raises."""

from __future__ import annotations

import pytest

from ponder.agents import actions
from ponder.agents.actions import (
    CallWatch,
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
    assert complete_action_end(whole + "\nThe sum is 3.", ["add"]) == len(whole)


@pytest.mark.parametrize(
    "more",
    ["", "\n</tool_call>", "\n</tool_call>\n<tool_", '\n</tool_call>\n<tool_call>\n{"name": "add", "argu'],
)
def test_generation_goes_on_while_the_model_may_write_another_call(more: str) -> None:
    call = '<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": 2}}'
    assert complete_action_end(call + more, ["add"]) is None


def test_text_after_several_calls_ends_the_reply_after_the_last_call() -> None:
    two = '<tool_call>\n{"name": "add", "arguments": {"a": 1}}\n</tool_call>\n<tool_call>\n{"name": "add", "arguments": {"a": 2}}'
    assert complete_action_end(two + "\n</tool_call>\nObservation: 3", ["add"]) == len(two)
    assert [c.arguments for c in extract_actions(two, ["add"]).calls] == [{"a": 1}, {"a": 2}]


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


def test_a_python_call_with_a_dict_argument_is_complete_at_its_closing_parenthesis() -> None:
    text = "add(a={'x': 1}, b=2) and then some prose"
    assert complete_action_end(text, ["add"]) == len("add(a={'x': 1}, b=2)")


def test_a_call_attempted_but_cut_or_nested_too_deep_is_a_mistake_not_an_answer() -> None:
    assert extract_actions('{"name": "add", "arguments": {"a": 1', ["add"]).error
    assert extract_actions("add(a=1, b=", ["add"]).error
    deep = '{"name": "add", "arguments": {"a": ' + "[" * 40 + "1" + "]" * 40 + "}}"
    assert "nested more than 32 levels" in str(extract_actions(deep, ["add"]).error)


def test_the_stream_watch_stops_at_a_call_written_in_small_deltas() -> None:
    text = 'Let me add.\n<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call> and more'
    watch = CallWatch(["add"])
    ends = [watch(text[:i]) for i in range(1, len(text) + 1)]
    first = next(i for i, end in enumerate(ends, start=1) if end is not None)
    # the reply goes on while a closing tag or a next call may come; text after the call stops it
    assert text[:first].endswith("</tool_call> a") and ends[first - 1] == text.index("}}") + 2


def test_the_stream_watch_reads_a_long_reply_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real = actions.complete_action_end

    def counting(text: str, names: object = ()) -> int | None:
        reads.append(len(text))
        return real(text, ["add"])

    monkeypatch.setattr(actions, "complete_action_end", counting)
    watch = CallWatch(["add"])
    text = ""
    for _ in range(20_000):  # 100 KB of code, a closing bracket in every delta
        text += "f(x) "
        watch(text)
    long_reads = [n for n in reads if n > CallWatch.SHORT]
    assert len(long_reads) < 60  # a reading per eighth of growth, not one per delta


def test_a_call_written_as_python_with_positional_arguments_is_read() -> None:
    from ponder.tools.builtin.calculator import calculator

    found = extract_actions('```python\ncalculator("23.4 * 37.5")\n```', {"calculator": calculator})
    assert [(c.name, c.arguments) for c in found.calls] == [("calculator", {"expression": "23.4 * 37.5"})]
    assert found.thought == ""


def test_more_positional_arguments_than_parameters_is_not_a_call() -> None:
    from ponder.tools.builtin.calculator import calculator

    assert extract_actions('calculator("1+1", 3)', {"calculator": calculator}).calls == []


def test_json_blocks_one_after_another_are_several_calls() -> None:
    one = '```json\n{"name": "add", "arguments": {"a": 1}}\n```'
    two = '```json\n{"name": "add", "arguments": {"a": 2}}\n```'
    found = extract_actions(f"{one}\n{two}", ["add"])
    assert [c.arguments for c in found.calls] == [{"a": 1}, {"a": 2}]
    assert complete_action_end(f"{one}\n{two}", ["add"]) is None
    end = complete_action_end(f"{one}\n{two}\nSo the sums are 1 and 2.", ["add"])
    assert end == len(f"{one}\n{two}") - len("\n```")  # where the second call's JSON closes
    assert [c.arguments for c in extract_actions(f"{one}\nThen:\n{two}", ["add"]).calls] == [{"a": 1}]


def test_the_streaming_watch_stops_at_text_that_follows_complete_calls() -> None:
    from ponder.agents.actions import CallWatch

    watch = CallWatch(["add"])
    reply = '<tool_call>\n{"name": "add", "arguments": {"a": 1}}\n</tool_call>\nObservation: 1'
    stops = [watch(reply[: i + 1]) for i in range(len(reply))]
    first = next(s for s in stops if s is not None)
    assert reply[:first].endswith("}}") and stops.index(first) >= reply.index("Obs")
