"""What a span may hold: content only when asked for and always redacted; LlamaIndex's spans under Ponder's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed: pip install 'ponder[otel]'")

from ponder.agents.agent import Agent  # noqa: E402
from ponder.backends.scripted import Scripted, ScriptedBackend  # noqa: E402
from ponder.tools.base import tool  # noqa: E402
from tests.telemetry.conftest import Traces, by_name, one  # noqa: E402

SECRET = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@tool
def read_config(name: str) -> str:
    """Read a configuration value.

    Args:
        name: the setting's name
    """
    return f"{name} = {SECRET}"


def config_agent() -> Agent:
    backend = ScriptedBackend([Scripted(tool_calls=[("read_config", {"name": "service_token"})]), "It is set."])
    return Agent(backend, tools=[read_config])


def test_a_secret_in_a_tool_result_or_the_task_is_redacted_and_never_leaves_the_process(
    traces: Traces, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLING_SERVICE_TOKEN", SECRET)
    traces.enable(capture_content=True)
    config_agent().run(f"Is the service token still {SECRET}?")
    spans = traces.collect()
    call, run = one(spans, "execute_tool read_config"), one(spans, "invoke_agent")
    assert call.attributes["gen_ai.tool.call.result"] == "service_token = [redacted]"
    task = json.loads(run.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
    assert task == "Is the service token still [redacted]?"
    assert all(SECRET.encode() not in body for body in traces.receiver.bodies)


def test_with_content_capture_the_task_arguments_and_answer_are_recorded(traces: Traces) -> None:
    traces.enable(capture_content=True)
    config_agent().run("Is the service token set?")
    spans = traces.collect()
    run, call = one(spans, "invoke_agent"), one(spans, "execute_tool read_config")
    assert json.loads(call.attributes["gen_ai.tool.call.arguments"]) == {"name": "service_token"}
    assert json.loads(run.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"] == "Is the service token set?"
    assert json.loads(run.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == "It is set."
    answer = json.loads(by_name(spans, "chat script")[1].attributes["gen_ai.output.messages"])[0]
    assert answer["parts"][0]["content"] == "It is set." and answer["finish_reason"] == "stop"


def test_without_content_capture_no_task_arguments_or_results_are_recorded(traces: Traces) -> None:
    config_agent().run("Is the service token set?")
    spans = traces.collect()
    recorded = {key for span in spans for key in span.attributes}
    assert not recorded & {"gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.input.messages", "gen_ai.output.messages"}
    assert all(b"service_token" not in body and b"Is the service token set" not in body for body in traces.receiver.bodies)


def test_content_capture_follows_the_genai_environment_variable(traces: Traces, monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.telemetry import enable_tracing

    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    enable_tracing(provider=traces.provider)
    config_agent().run("Is the service token set?")
    assert "gen_ai.tool.call.arguments" in one(traces.collect(), "execute_tool read_config").attributes


def test_a_knowledge_search_retriever_span_nests_under_the_tool_span(
    traces: Traces, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ponder.knowledge.tool import knowledge_tool
    from tests.knowledge.conftest import make_base, write_docs

    monkeypatch.chdir(tmp_path)
    write_docs(tmp_path / "docs")
    base = make_base(tmp_path)
    base.index()
    backend = ScriptedBackend(
        [Scripted(tool_calls=[("search_docs", {"query": "How many hours of sun do tomatoes need?"})]), "Six hours."]
    )
    Agent(backend, tools=[knowledge_tool(base)]).run("How much sun do tomatoes need?")
    spans = traces.collect()
    call = one(spans, "execute_tool search_docs")
    retrievals = [s for s in spans if "Retriever." in s.name]  # LlamaIndex names them Class.method
    top = [s for s in retrievals if s.parent_id == call.span_id]
    assert [s.name for s in top] == ["KeywordRetriever.retrieve"] and top[0].trace_id == call.trace_id
    assert call.start_ns <= top[0].start_ns <= top[0].end_ns <= call.end_ns
    inner = [s for s in retrievals if s is not top[0]]
    assert inner and all(s.parent_id in {r.span_id for r in retrievals} for s in inner)
