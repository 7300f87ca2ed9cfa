"""The loop with a scripted model: tool errors, malformed output, limits, loops, sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from ponder.agents import events as ev
from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.agents.result import StopReason
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.errors import BackendError
from ponder.tools.base import Tool


def call(name: str, **args: object) -> str:
    import json

    return f'<tool_call>{{"name": "{name}", "arguments": {json.dumps(args)}}}</tool_call>'


def text_agent(replies: Sequence[object], tools: list[Tool], **kwargs: object) -> tuple[Agent, ScriptedBackend]:
    backend = ScriptedBackend(list(replies), native_tool_calls=False)  # type: ignore[arg-type]
    return Agent(backend, tools=tools, **kwargs), backend  # type: ignore[arg-type]


def last_prompt(backend: ScriptedBackend) -> str:
    return str(backend.requests[-1].messages[-1].content)


def test_calls_a_tool_and_answers_from_its_result(tools: list[Tool]) -> None:
    agent, backend = text_agent([call("add", a=2, b=3), "The sum is 5."], tools)
    result = agent.run("What is 2+3?")
    assert result.answer == "The sum is 5."
    assert result.stop_reason is StopReason.ANSWER
    assert [(c.name, c.arguments, c.output) for c in result.trajectory] == [("add", {"a": 2, "b": 3}, "5")]
    assert "5" in last_prompt(backend)


def test_native_tool_calls_round_trip_with_their_ids(tools: list[Tool]) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("add", {"a": 1, "b": 1})]), "2"])
    result = Agent(backend, tools=tools).run("1+1?")
    assert result.answer == "2"
    tool_msg = backend.requests[1].messages[-1]
    assert tool_msg.role.value == "tool"
    assert tool_msg.additional_kwargs["tool_call_id"] == "call_1_0"
    assert tool_msg.content == "2"


def test_native_call_with_invalid_json_arguments_becomes_an_observation(tools: list[Tool]) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("add", "{not json")]), call("add", a=1, b=1), "2"])
    result = Agent(backend, tools=tools).run("1+1?")
    assert result.answer == "2"
    assert result.trajectory[0].error_kind == "parse"


def test_a_reply_that_names_a_tool_without_calling_it_is_told_once_to_call_it(tools: list[Tool]) -> None:
    described = "You can get this with `add` by passing a=2 and b=3."
    agent, backend = text_agent([described, call("add", a=2, b=3), "The sum is 5."], tools)
    events = list(agent.stream("What is 2+3?"))
    result = events[-1].result  # type: ignore[attr-defined]
    assert result.answer == "The sum is 5."
    assert [c.name for c in result.trajectory] == ["add"]
    nudge = str(backend.requests[1].messages[-1].content)
    assert "You described add but did not call it" in nudge
    assert [e.kind for e in events if isinstance(e, ev.ModelMistakeEvent)] == ["not_called"]


def test_the_not_called_nudge_comes_once_and_never_for_a_plain_word_mention(tools: list[Tool]) -> None:
    agent, backend = text_agent(["Use `add`.", "Still: `add` would do it."], tools)
    result = agent.run("What is 2+3?")
    assert result.answer == "Still: `add` would do it."
    assert len(backend.requests) == 2  # nudged after the first reply, the second is the answer

    agent, backend = text_agent(["I cannot add those without more detail."], tools)
    assert agent.run("Add them.").answer == "I cannot add those without more detail."
    assert len(backend.requests) == 1


def test_a_reply_that_degenerates_into_repeating_itself_is_cut_short(tools: list[Tool]) -> None:
    agent, backend = text_agent(["The capacitance is 1" + "0" * 500 + " farads."], tools)
    result = agent.run("What is the capacitance?")
    assert result.stop_reason is StopReason.ANSWER
    assert result.answer == "The capacitance is 1000"


@pytest.mark.parametrize(
    "bad_reply, kind",
    [
        ("<tool_call>{name add a 1}</tool_call>", "parse"),
        (call("multiply", a=2, b=3), "unknown_tool"),
        (call("add", a="two", b=3), "bad_arguments"),
        (call("add", a=2), "bad_arguments"),
        (call("add", a=2, b=3, c=4), "bad_arguments"),
        (call("divide", a=1, b=0), "tool_error"),
        (call("slow", seconds=5), "timeout"),
    ],
)
def test_every_model_mistake_becomes_an_observation_and_the_run_goes_on(
    tools: list[Tool], bad_reply: str, kind: str
) -> None:
    agent, backend = text_agent([bad_reply, call("add", a=2, b=3), "5"], tools, limits=Limits(tool_timeout=0.3))
    result = agent.run("What is 2+3?")
    assert result.answer == "5"
    assert result.trajectory[0].error_kind == kind
    assert result.trajectory[0].ok is False
    observation = str(backend.requests[1].messages[-1].content)
    assert observation  # the model saw what went wrong
    assert result.trajectory[1].output == "5"


def test_the_observation_for_bad_arguments_names_the_problem_and_the_signature(tools: list[Tool]) -> None:
    agent, backend = text_agent([call("add", a="two", b=3), "ok"], tools)
    agent.run("2+3")
    seen = str(backend.requests[1].messages[-1].content)
    assert "'a'" in seen and "add(a: integer, b: integer)" in seen


def test_unknown_tool_observation_lists_the_available_tools(tools: list[Tool]) -> None:
    agent, backend = text_agent([call("multiply", a=2, b=3), "ok"], tools)
    agent.run("2*3")
    seen = str(backend.requests[1].messages[-1].content)
    assert "multiply" in seen and "add" in seen and "divide" in seen


def test_a_near_miss_tool_name_resolves_to_the_tool(tools: list[Tool]) -> None:
    agent, _ = text_agent([call("Add", a=2, b=3), "5"], tools)
    result = agent.run("2+3")
    assert result.trajectory[0].name == "add"
    assert result.trajectory[0].ok


def test_arguments_are_coerced_to_the_schema_types(tools: list[Tool]) -> None:
    agent, _ = text_agent([call("divide", a=1, b=4), "0.25"], tools)
    result = agent.run("1/4")
    assert result.trajectory[0].arguments == {"a": 1.0, "b": 4.0}


def test_max_steps_stops_and_makes_one_last_attempt_to_answer(tools: list[Tool]) -> None:
    replies = [call("add", a=i, b=1) for i in range(3)] + ["My best answer is 3."]
    agent, backend = text_agent(replies, tools, limits=Limits(max_steps=3))
    result = agent.run("count")
    assert result.stop_reason is StopReason.MAX_STEPS
    assert result.answer == "My best answer is 3."
    assert not backend.requests[-1].tools  # the last attempt offers no tools
    assert "Stop using tools" in last_prompt(backend)


def test_repeated_identical_calls_beyond_the_limit_stop_the_run_with_a_last_attempt(tools: list[Tool]) -> None:
    replies = [call("add", a=1, b=1)] * 2 + ["2"]
    agent, backend = text_agent(replies, tools, limits=Limits(max_steps=10, max_repeats=0))
    result = agent.run("1+1")
    assert result.stop_reason is StopReason.LOOP
    assert result.answer == "2"
    assert [c.error_kind for c in result.trajectory] == [None, "repeated"]
    assert len(backend.requests) == 3  # two steps, then the last attempt
    assert "Stop using tools" in last_prompt(backend)


def test_a_call_repeated_again_when_asked_for_the_answer_ends_the_run_as_a_loop(tools: list[Tool]) -> None:
    replies = [call("add", a=1, b=1)] * 3 + ["never asked"]
    agent, backend = text_agent(replies, tools, limits=Limits(max_steps=10, max_repeats=1))
    result = agent.run("1+1")
    assert result.stop_reason is StopReason.LOOP
    assert result.answer is None
    assert [c.error_kind for c in result.trajectory] == [None, "repeated", "repeated"]
    assert len(backend.requests) == 3  # the answer-only step was the last attempt


def test_run_timeout_stops_the_run_and_says_so(tools: list[Tool]) -> None:
    replies = [Scripted(text=call("add", a=1, b=1), delay=0.3), Scripted(text=call("add", a=2, b=2), delay=0.3), "4"]
    agent, _ = text_agent(replies, tools, limits=Limits(run_timeout=0.4))
    result = agent.run("sum")
    assert result.stop_reason is StopReason.TIMEOUT
    assert result.answer == "4"


def test_an_empty_reply_is_sent_back_as_a_mistake(tools: list[Tool]) -> None:
    agent, backend = text_agent(["", "fine"], tools)
    result = agent.run("hi")
    assert result.answer == "fine"
    assert result.trajectory[0].error_kind == "parse"
    roles = [m.role.value for m in backend.requests[1].messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert "empty" in str(backend.requests[1].messages[-1].content)


def test_generation_stops_as_soon_as_a_complete_call_is_written(tools: list[Tool]) -> None:
    hallucinated = call("add", a=2, b=3) + "\nObservation: 6\nThe answer is 6."
    agent, backend = text_agent([hallucinated, "5"], tools)
    result = agent.run("2+3")
    assert result.answer == "5"
    sent_back = str(backend.requests[1].messages[-2].content)
    assert "Observation: 6" not in sent_back


def test_events_describe_the_run_in_order(tools: list[Tool]) -> None:
    agent, _ = text_agent(["Thought: add.\n" + call("add", a=2, b=3), "5"], tools)
    kinds = [type(e).__name__ for e in agent.stream("2+3") if not isinstance(e, ev.TextDelta)]
    assert kinds == [
        "RunStarted", "StepStarted", "UsageEvent", "Thought", "ToolCallStarted", "ToolResult",
        "StepStarted", "UsageEvent", "Answer", "RunFinished",
    ]


def test_text_deltas_stream_the_model_output(tools: list[Tool]) -> None:
    agent, _ = text_agent(["The answer is forty-two."], tools)
    deltas = [e.text for e in agent.stream("q") if isinstance(e, ev.TextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == "The answer is forty-two."


def test_async_stream_yields_the_same_events(tools: list[Tool]) -> None:
    agent, _ = text_agent([call("add", a=2, b=3), "5"], tools)

    async def collect() -> list[ev.Event]:
        return [e async for e in agent.astream("2+3")]

    events = asyncio.run(collect())
    assert isinstance(events[-1], ev.RunFinished) and events[-1].result.answer == "5"


def test_sessions_keep_history_across_turns(tools: list[Tool]) -> None:
    agent, backend = text_agent([call("add", a=2, b=3), "5", "You asked about 2+3."], tools)
    agent.chat("What is 2+3?")
    second = agent.chat("What did I ask?")
    assert second.answer == "You asked about 2+3."
    contents = [str(m.content) for m in backend.requests[-1].messages]
    assert "What is 2+3?" in contents and "5" in contents and contents[-1] == "What did I ask?"


def test_run_is_stateless(tools: list[Tool]) -> None:
    agent, backend = text_agent(["a", "b"], tools)
    agent.run("first")
    agent.run("second")
    assert [str(m.content) for m in backend.requests[-1].messages][1:] == ["second"]


def test_backend_failure_raises_with_the_fix_and_keeps_the_partial_result(tools: list[Tool]) -> None:
    agent, _ = text_agent([call("add", a=1, b=1), Scripted(fail="server went away")], tools)
    with pytest.raises(BackendError) as info:
        agent.run("1+1")
    assert "server went away" in str(info.value)
    assert info.value.result.trajectory[0].output == "2"  # type: ignore[attr-defined]


def test_backend_failure_in_a_session_keeps_the_user_message(tools: list[Tool]) -> None:
    agent, _ = text_agent([Scripted(fail="down")], tools)
    events = list(agent.chat_stream("remember me"))
    assert any(isinstance(e, ev.ErrorEvent) for e in events)
    assert [str(m.content) for m in agent.history] == ["remember me"]


def test_tools_that_need_approval_are_refused_without_it() -> None:
    from ponder.tools.base import tool

    @tool(needs_approval=True)
    def delete_everything(path: str) -> str:
        """Delete a path.

        Args:
            path: what to delete
        """
        raise AssertionError("must not run")

    agent, _ = text_agent([call("delete_everything", path="/"), "I could not."], [delete_everything])
    result = agent.run("clean up")
    assert result.trajectory[0].error_kind == "refused"
    assert result.answer == "I could not."


def test_long_observations_are_cut_with_a_note() -> None:
    from ponder.tools.base import tool

    @tool
    def dump(n: int) -> str:
        """Return n characters.

        Args:
            n: how many
        """
        return "x" * n

    agent, backend = text_agent([call("dump", n=10_000), "ok"], [dump], observation_chars=100)
    agent.run("dump 10000 characters")
    seen = str(backend.requests[1].messages[-1].content)
    assert len(seen) < 400 and "9900 more characters cut" in seen


def test_after_a_repeated_call_the_next_step_asks_for_the_answer_without_tools(tools: list[Tool]) -> None:
    replies = [call("add", a=1, b=1), call("add", a=1, b=1), "The sum is 2."]
    agent, backend = text_agent(replies, tools)
    result = agent.run("1+1")
    assert result.stop_reason is StopReason.ANSWER
    assert result.answer == "The sum is 2."
    assert [c.error_kind for c in result.trajectory] == [None, "repeated"]
    assert backend.requests[1].call_tools and not backend.requests[2].call_tools
    assert "Answer my request now" in last_prompt(backend)


def test_a_new_call_alongside_a_repeated_one_keeps_the_tools_on(tools: list[Tool]) -> None:
    both = Scripted(tool_calls=[("add", {"a": 1, "b": 1}), ("add", {"a": 2, "b": 2})])
    backend = ScriptedBackend([Scripted(tool_calls=[("add", {"a": 1, "b": 1})]), both, "Done: 2 and 4."])
    result = Agent(backend, tools=tools).run("1+1 and 2+2")
    assert result.answer == "Done: 2 and 4."
    assert [c.error_kind for c in result.trajectory] == [None, "repeated", None]
    assert backend.requests[2].tools


def test_arithmetic_done_by_hand_is_checked_with_the_calculator_once() -> None:
    from ponder.tools.builtin.calculator import calculator

    by_hand = "Gross pay: 23.40 × 37.5 is 892.50, so you earned $892.50."  # cannot be recomputed: "is", not "="
    agent, backend = text_agent([by_hand, call("calculator", expression="23.40 * 37.5"), "You earned $877.50."], [calculator])
    events = list(agent.stream("I earn $23.40 an hour and worked 37.5 hours. What's my pay?"))
    result = agent.last_result
    assert result is not None and result.answer == "You earned $877.50."
    assert [(c.name, c.output) for c in result.trajectory] == [("calculator", "877.5")]
    nudge = str(backend.requests[1].messages[-1].content)
    assert "You worked out 23.40 × 37.5 by hand" in nudge
    assert [e.kind for e in events if isinstance(e, ev.ModelMistakeEvent)] == ["by_hand"]
    assert [r.require_call for r in backend.requests] == [False, True, False], "the check must be a call"


def test_a_hand_worked_answer_stands_when_the_check_brings_no_call() -> None:
    from ponder.tools.builtin.calculator import calculator

    by_hand = "Average: (5.2 + 7.8 + 6.1 + 10.4 + 4.9) / 5 is 6.78 km."  # a slip, written so it cannot be recomputed
    agent, backend = text_agent([by_hand, "17.5"], [calculator])
    result = agent.run("My runs were 5.2, 7.8, 6.1, 10.4 and 4.9 km. What's my average?")
    assert result.answer == by_hand
    assert result.stop_reason == "answer"
    assert len(backend.requests) == 2


def test_hand_arithmetic_is_not_questioned_without_a_computing_tool_or_after_a_tool_ran(tools: list[Tool]) -> None:
    agent, backend = text_agent(["12 × 3 = 36, so 36."], [])
    assert agent.run("What is 12 times 3?").answer == "12 × 3 = 36, so 36."
    assert len(backend.requests) == 1
    from ponder.tools.builtin.calculator import calculator

    agent, backend = text_agent([call("calculator", expression="12*3"), "12 × 3 = 36."], [calculator])
    assert agent.run("What is 12 times 3?").answer == "12 × 3 = 36."
    assert len(backend.requests) == 2
