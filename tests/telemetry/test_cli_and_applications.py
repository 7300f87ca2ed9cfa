"""Traces from real processes: `ponder run` with the OTLP variable set, and an application traced with its own provider."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed: pip install 'ponder[otel]'")

from tests.telemetry.conftest import by_name, one  # noqa: E402
from tests.telemetry.otlp_receiver import OtlpReceiver  # noqa: E402

PONDER = str(Path(sys.executable).with_name("ponder"))
SCRIPT = [{"tool_calls": [{"name": "calculator", "arguments": {"expression": "6 * 7"}}]}, "It is 42."]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return {**env, **extra}


def python(code: str, *, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=environment(**env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_ponder_run_exports_its_spans_when_the_otlp_endpoint_is_set(receiver: OtlpReceiver, tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))
    out = subprocess.run(
        [PONDER, "run", "-m", f"scripted:{script}", "--tools", "calculator", "What is 6 * 7?"], cwd=tmp_path,
        env=environment(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "It is 42."
    spans = receiver.wait_for("invoke_agent")  # the process flushed them as it exited
    run, call = one(spans, "invoke_agent"), one(spans, "execute_tool calculator")
    assert len(by_name(spans, f"chat {script}")) == 2
    assert call.parent_id == run.span_id and call.status == "UNSET"
    assert run.resource["service.name"] == "ponder" and receiver.paths == ["/v1/traces"] * len(receiver.paths)


def test_an_application_with_its_own_tracer_provider_gets_ponders_spans_under_its_span(
    receiver: OtlpReceiver, tmp_path: Path
) -> None:
    """No call to Ponder: a tracer provider set by the application is enough."""
    code = f"""
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        from ponder.agents.agent import Agent
        from ponder.backends.scripted import Scripted, ScriptedBackend
        from ponder.tools.builtin.calculator import calculator

        provider = TracerProvider(resource=Resource.create({{"service.name": "shop"}}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint="{receiver.endpoint}/v1/traces")))
        trace.set_tracer_provider(provider)
        backend = ScriptedBackend([Scripted(tool_calls=[("calculator", {{"expression": "6 * 7"}})]), "42"])
        with trace.get_tracer("shop").start_as_current_span("checkout"):
            print(Agent(backend, tools=[calculator]).run("6 * 7?").answer)
        provider.shutdown()
    """
    out = python(code, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    spans = receiver.wait_for("checkout")
    checkout, run, call = one(spans, "checkout"), one(spans, "invoke_agent"), one(spans, "execute_tool calculator")
    assert run.parent_id == checkout.span_id and call.parent_id == run.span_id
    assert {run.trace_id, call.trace_id} == {checkout.trace_id} and run.resource["service.name"] == "shop"


def test_a_run_without_tracing_imports_no_opentelemetry(tmp_path: Path) -> None:
    code = """
        import sys
        from ponder.agents.agent import Agent
        from ponder.backends.scripted import ScriptedBackend

        Agent(ScriptedBackend(["hi"])).run("hello")
        print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
    """
    out = python(code, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_otlp_variable_without_the_otel_extra_warns_and_runs_untraced(receiver: OtlpReceiver, tmp_path: Path) -> None:
    code = """
        import sys
        sys.modules["opentelemetry.sdk"] = None  # as if the otel extra were not installed
        from ponder.cli.main import main
        sys.exit(main(["run", "-m", "scripted:echo", "hello"]))
    """
    out = python(code, cwd=tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "You said: hello"
    assert "traces are off" in out.stderr and "pip install 'ponder[otel]'" in out.stderr
    assert receiver.spans == []
