"""A run's spans as an OTLP receiver sees them: GenAI attributes, parent/child structure, timings, errors."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed: pip install 'ponder[otel]'")

from ponder.agents.agent import Agent  # noqa: E402
from ponder.agents.limits import Limits  # noqa: E402
from ponder.agents.spec import AgentSpec  # noqa: E402
from ponder.backends.scripted import Scripted, ScriptedBackend  # noqa: E402
from ponder.tools.base import tool  # noqa: E402
from tests.telemetry.conftest import Traces, by_name, one  # noqa: E402


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first number
        b: the second number
    """
    return a + b


@tool
def explode(reason: str) -> str:
    """Always fails.

    Args:
        reason: why
    """
    raise RuntimeError(f"exploded: {reason}")


def adding_agent(name: str | None = None) -> Agent:
    backend = ScriptedBackend([Scripted(tool_calls=[("add", {"a": 2, "b": 3})]), "The sum is 5."])
    return AgentSpec(name=name).build(backend=backend, tools=[add])


def test_a_run_with_a_tool_call_is_one_trace_of_agent_model_and_tool_spans(traces: Traces) -> None:
    result = adding_agent().run("What is 2 + 3?")
    spans = traces.collect()
    run = one(spans, "invoke_agent")
    chats = by_name(spans, "chat script")
    tool_span = one(spans, "execute_tool add")
    assert result.answer == "The sum is 5." and len(chats) == 2
    assert run.parent_id == "" and run.kind == "INTERNAL"
    assert {s.trace_id for s in [run, *chats, tool_span]} == {run.trace_id}
    assert {s.parent_id for s in [*chats, tool_span]} == {run.span_id}
    assert [c.kind for c in chats] == ["CLIENT", "CLIENT"] and tool_span.kind == "INTERNAL"


def test_model_call_spans_carry_the_genai_request_and_usage_attributes(traces: Traces) -> None:
    result = adding_agent().run("What is 2 + 3?")
    first, second = by_name(traces.collect(), "chat script")
    assert first.attributes["gen_ai.operation.name"] == "chat"
    assert first.attributes["gen_ai.request.model"] == "script"
    assert first.attributes["gen_ai.provider.name"] == first.attributes["gen_ai.system"] == "ponder.scripted"
    assert first.attributes["gen_ai.request.temperature"] == 0.0
    records = result.step_records
    assert [first.attributes["gen_ai.usage.input_tokens"], second.attributes["gen_ai.usage.input_tokens"]] == [
        r.prompt_tokens for r in records
    ]
    assert second.attributes["gen_ai.usage.output_tokens"] == records[1].completion_tokens > 0
    assert first.attributes["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert second.attributes["gen_ai.response.finish_reasons"] == ["stop"]


def test_the_tool_span_names_the_tool_and_its_call(traces: Traces) -> None:
    adding_agent().run("What is 2 + 3?")
    span = one(traces.collect(), "execute_tool add")
    assert span.attributes["gen_ai.operation.name"] == "execute_tool"
    assert span.attributes["gen_ai.tool.name"] == "add"
    assert span.attributes["gen_ai.tool.call.id"] == "call_1_0"
    assert span.status == "UNSET"


def test_the_agent_span_carries_the_runs_totals_and_stop_reason(traces: Traces) -> None:
    result = adding_agent(name="adder").run("What is 2 + 3?")
    spans = traces.collect("invoke_agent adder")
    run = one(spans, "invoke_agent adder")
    assert run.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert run.attributes["gen_ai.agent.name"] == "adder"
    assert run.attributes["gen_ai.usage.input_tokens"] == result.usage.prompt_tokens
    assert run.attributes["gen_ai.usage.output_tokens"] == result.usage.completion_tokens
    assert run.attributes["ponder.stop_reason"] == "answer" and run.attributes["ponder.steps"] == 2
    assert run.resource["service.name"] == "ponder" and run.scope == "ponder"


def test_spans_follow_each_other_in_time_inside_the_run(traces: Traces) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("add", {"a": 2, "b": 3})], delay=0.2), Scripted(text="5", delay=0.1)])
    Agent(backend, tools=[add]).run("What is 2 + 3?")
    spans = traces.collect()
    run, (first, second), call = one(spans, "invoke_agent"), by_name(spans, "chat script"), one(spans, "execute_tool add")
    assert run.start_ns <= first.start_ns < first.end_ns <= call.start_ns < call.end_ns <= second.start_ns
    assert second.end_ns <= run.end_ns
    assert first.seconds >= 0.2 and second.seconds >= 0.1  # the model's time is in the model call's span
    assert call.seconds < 0.2


def test_the_time_the_consumer_takes_with_an_event_is_not_counted_in_a_model_or_tool_call(traces: Traces) -> None:
    import time

    for event in adding_agent().stream("What is 2 + 3?"):
        if type(event).__name__ in ("StepStarted", "ToolCallStarted"):
            time.sleep(0.3)  # a slow screen
    spans = traces.collect()
    calls = [*by_name(spans, "chat script"), one(spans, "execute_tool add")]
    assert all(c.seconds < 0.25 for c in calls), [c.seconds for c in calls]
    assert one(spans, "invoke_agent").seconds >= 0.9  # the run, as its caller lived it


def test_a_failing_tool_call_is_an_error_span_in_a_run_that_still_answers(traces: Traces) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("explode", {"reason": "test"})]), "It failed."])
    Agent(backend, tools=[explode]).run("Try it as a test")
    spans = traces.collect()
    failed = one(spans, "execute_tool explode")
    assert failed.status == "ERROR" and failed.attributes["error.type"] == "tool_error"
    assert one(spans, "invoke_agent").status == "UNSET"


def test_a_failing_model_call_is_an_error_in_its_span_and_the_runs(traces: Traces) -> None:
    backend = ScriptedBackend([Scripted(fail="the model server went away")])
    with pytest.raises(Exception, match="went away"):
        Agent(backend).run("Hello")
    spans = traces.collect()
    chat, run = one(spans, "chat script"), one(spans, "invoke_agent")
    assert chat.status == "ERROR" and "went away" in chat.status_message
    assert run.status == "ERROR" and run.attributes["ponder.stop_reason"] == "error"


def test_the_last_attempt_after_the_step_limit_has_its_own_model_call_span(traces: Traces) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("add", {"a": 2, "b": 3})]), "It is 5."])
    result = Agent(backend, tools=[add], limits=Limits(max_steps=1)).run("What is 2 + 3?")
    spans = traces.collect()
    chats, call = by_name(spans, "chat script"), one(spans, "execute_tool add")
    assert result.stop_reason.value == "max_steps" and result.answer == "It is 5."
    assert len(chats) == 2 and call.end_ns <= chats[1].start_ns < chats[1].end_ns
    assert chats[1].attributes["ponder.step"] == 2


def test_a_run_inside_the_callers_span_nests_under_it(traces: Traces) -> None:
    app = traces.provider.get_tracer("my-app")
    with app.start_as_current_span("handle request") as request:
        adding_agent().run("What is 2 + 3?")
        after = request.get_span_context().span_id
    spans = traces.collect()
    outer, run = one(spans, "handle request"), one(spans, "invoke_agent")
    assert run.parent_id == outer.span_id == f"{after:016x}" and run.trace_id == outer.trace_id


def test_an_async_stream_inside_the_callers_span_nests_under_it(traces: Traces) -> None:
    """``astream`` runs the loop in a worker thread: the caller's context goes with it."""
    app = traces.provider.get_tracer("my-app")
    agent = adding_agent()

    async def handle() -> list[str]:
        with app.start_as_current_span("handle request"):
            return [type(e).__name__ async for e in agent.astream("What is 2 + 3?")]

    names = asyncio.run(handle())
    spans = traces.collect("handle request")
    outer, run, call = one(spans, "handle request"), one(spans, "invoke_agent"), one(spans, "execute_tool add")
    assert names[-1] == "RunFinished"
    assert run.parent_id == outer.span_id and call.parent_id == run.span_id
    assert {run.trace_id, call.trace_id} == {outer.trace_id}


def test_a_run_abandoned_midway_ends_its_spans_and_gives_the_caller_its_span_back(traces: Traces) -> None:
    from opentelemetry import trace

    app = traces.provider.get_tracer("my-app")
    with app.start_as_current_span("handle request") as request:
        events = adding_agent().stream("What is 2 + 3?")
        for event in events:
            if type(event).__name__ == "ToolCallStarted":
                break
        events.close()  # type: ignore[attr-defined]
        assert trace.get_current_span() is request
    spans = traces.collect("handle request")
    run = one(spans, "invoke_agent")
    assert run.attributes["ponder.stopped"] is True and run.parent_id == one(spans, "handle request").span_id


def test_no_span_is_sent_once_tracing_is_disabled(traces: Traces) -> None:
    from ponder.telemetry import disable_tracing

    disable_tracing()
    adding_agent().run("What is 2 + 3?")
    traces.provider.force_flush()
    assert traces.receiver.spans == []


def test_a_tracer_that_fails_leaves_the_run_untraced_but_whole(
    traces: Traces, caplog: pytest.LogCaptureFixture
) -> None:
    from opentelemetry import trace

    from ponder.telemetry import enable_tracing

    real = traces.provider.get_tracer("ponder")

    class FailingOnModelCalls:
        def start_span(self, name: str, *args: object, **kwargs: object) -> object:
            if name.startswith("chat"):
                raise RuntimeError("the tracing backend broke")
            return real.start_span(name, *args, **kwargs)  # type: ignore[arg-type]

    class Provider:
        def get_tracer(self, *args: object, **kwargs: object) -> FailingOnModelCalls:
            return FailingOnModelCalls()

    enable_tracing(provider=Provider())  # type: ignore[arg-type]
    result = adding_agent().run("What is 2 + 3?")
    assert result.answer == "The sum is 5."
    assert "tracing this run failed (RuntimeError: the tracing backend broke)" in caplog.text
    assert trace.get_current_span() is trace.INVALID_SPAN  # no span of the run is left current


def test_an_agent_used_as_a_tool_is_its_own_agent_span_under_the_outer_tool_span(traces: Traces) -> None:
    mathematician = adding_agent("mathematician")
    outer_backend = ScriptedBackend([Scripted(tool_calls=[("mathematician", {"task": "2 + 3"})]), "It is 5."])
    outer = AgentSpec(name="writer").build(backend=outer_backend, tools=[mathematician.as_tool(description="Adds.")])
    assert outer.run("What is 2 + 3?").answer == "It is 5."
    spans = traces.collect(until="invoke_agent writer")
    writer, inner = one(spans, "invoke_agent writer"), one(spans, "invoke_agent mathematician")
    call = one(spans, "execute_tool mathematician")
    assert call.parent_id == writer.span_id and inner.parent_id == call.span_id
    assert one(spans, "execute_tool add").parent_id == inner.span_id
    assert {s.trace_id for s in (writer, call, inner)} == {writer.trace_id}
