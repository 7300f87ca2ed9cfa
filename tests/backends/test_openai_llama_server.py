"""The ``openai:`` backend against a real OpenAI-compatible server: llama-cpp-python's, on the embedded model.

Nothing is faked: the ``openai`` SDK through LlamaIndex, HTTP on 127.0.0.1, llama.cpp's own chat
handling and the model's own habits. Slow: every generation runs Qwen2.5-Coder-1.5B on the CPU,
so prompts are short and generations capped.
"""

from __future__ import annotations

from collections.abc import Callable

import openai
import pytest

from ponder.agents import events as ev
from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.agents.result import RunResult, StopReason
from ponder.backends.openai.backend import OpenAIBackend
from ponder.backends.registry import resolve_backend
from ponder.testing.llama_server import LlamaServer
from ponder.tools.builtin.calculator import calculator

pytestmark = pytest.mark.slow

MODEL = "openai:qwen2.5-coder-1.5b"
PRODUCT = "7006652"  # 1234 * 5678


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> Callable[[LlamaServer], OpenAIBackend]:
    """The ``openai:`` backend as a user gets it: OPENAI_BASE_URL set, no key."""

    def connect(server: LlamaServer) -> OpenAIBackend:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        backend = resolve_backend(MODEL, max_retries=0, timeout=600)  # no silent retries; a busy CPU is slow
        assert isinstance(backend, OpenAIBackend)
        return backend

    return connect


def finished(events: list[ev.Event]) -> RunResult:
    (last,) = [e for e in events if isinstance(e, ev.RunFinished)]
    return last.result


class TestTheModelsOwnTemplate:
    """``llama_cpp.server`` with no ``--chat_format``: the GGUF's template, tools included."""

    def test_a_plain_answer(
        self, llama_server: LlamaServer, connect: Callable[[LlamaServer], OpenAIBackend]
    ) -> None:
        agent = Agent(connect(llama_server), limits=Limits(max_tokens_per_step=16))
        result = agent.run("What is the capital of France? Answer in one word.")
        assert result.stop_reason is StopReason.ANSWER
        assert "paris" in (result.answer or "").lower()
        assert result.usage.model_calls == 1
        assert result.usage.prompt_tokens > 20, "usage comes from the server's own token counts"

    def test_a_streamed_answer_arrives_token_by_token(
        self, llama_server: LlamaServer, connect: Callable[[LlamaServer], OpenAIBackend]
    ) -> None:
        agent = Agent(connect(llama_server), limits=Limits(max_tokens_per_step=24))
        events = list(agent.stream("Count from 1 to 5, separated by commas. Write nothing else."))
        deltas = [e.text for e in events if isinstance(e, ev.TextDelta)]
        answer = finished(events).answer or ""
        assert "1, 2, 3, 4, 5" in answer
        assert len(deltas) >= 5, f"expected one delta per token or so, got {deltas!r}"
        assert answer in "".join(deltas)

    def test_a_tool_call_written_as_text_is_acted_on(
        self, llama_server: LlamaServer, connect: Callable[[LlamaServer], OpenAIBackend]
    ) -> None:
        agent = Agent(
            connect(llama_server), tools=[calculator], limits=Limits(max_steps=3, max_tokens_per_step=80)
        )
        result = agent.run("What is 1234 * 5678? Use the calculator.")
        first_step = result.step_records[0].text
        # The server returned no structured tool_calls: the model wrote its call as JSON text.
        assert '"calculator"' in first_step, first_step
        call = result.trajectory[0]
        assert (call.name, call.ok, call.output) == ("calculator", True, PRODUCT)
        assert result.stop_reason is StopReason.ANSWER
        assert PRODUCT in (result.answer or "").replace(",", "")


    def test_twenty_typed_answers_with_response_format(
        self, llama_server: LlamaServer, connect: Callable[[LlamaServer], OpenAIBackend]
    ) -> None:
        """llama.cpp's server refuses OpenAI's ``json_schema`` (HTTP 422) and takes its own
        ``json_object`` with a schema: the backend switches once, and every answer is valid."""
        from tests.backends.tickets import load_tickets

        tickets = load_tickets()
        backend = connect(llama_server)
        agent = Agent(
            backend,
            tools=[],
            system_prompt=tickets.SYSTEM_PROMPT,
            output_type=tickets.Ticket,
            limits=Limits(max_tokens_per_step=256),
        )
        problems = []
        for i, message in enumerate(tickets.MESSAGES):
            result = agent.run(tickets.task(message))
            if result.stop_reason is not StopReason.ANSWER or not isinstance(result.output, tickets.Ticket):
                problems.append((i, result.stop_reason.value, result.output_error, result.answer))
            elif result.usage.model_calls != 1:
                problems.append((i, "asked again", result.output_error, result.answer))
        assert backend.answer_format == "json_object"
        assert problems == []


class TestChatmlFunctionCalling:
    """``--chat_format chatml-function-calling``: structured ``tool_calls``, and a picky server."""

    def test_the_server_refuses_an_assistant_message_with_null_content(
        self, llama_function_server: LlamaServer
    ) -> None:
        # Why the backend sends "" (this is what made the stock FunctionAgent score 0/30 here).
        client = openai.OpenAI(
            base_url=llama_function_server.base_url, api_key="sk-no-key-required", max_retries=0
        )
        call = {"id": "call_1", "type": "function", "function": {"name": "calculator", "arguments": "{}"}}
        with pytest.raises(openai.InternalServerError, match="content"):
            client.chat.completions.create(
                model="qwen2.5-coder-1.5b",
                messages=[
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": None, "tool_calls": [call]},  # type: ignore[list-item]
                    {"role": "tool", "tool_call_id": "call_1", "content": "0"},
                ],
                max_tokens=1,
            )

    def test_a_native_tool_call_round_trip(
        self, llama_function_server: LlamaServer, connect: Callable[[LlamaServer], OpenAIBackend]
    ) -> None:
        backend = connect(llama_function_server)
        # One step with tools, then the answer without them: the second request is the round trip.
        agent = Agent(backend, tools=[calculator], limits=Limits(max_steps=1, max_tokens_per_step=60))
        events = list(agent.stream("Use the calculator to compute 1234 * 5678."))
        result = finished(events)
        started = [e for e in events if isinstance(e, ev.ToolCallStarted)]
        assert started, f"no tool call; the model said {result.step_records[0].text!r}"
        assert started[0].name == "calculator"
        assert started[0].call_id.startswith("call_"), "a structured call carries the server's id"
        assert result.trajectory[0].output == PRODUCT
        # The second request carried the assistant's tool call back (content "", not null) and the
        # tool result: had the server refused it, the run would have stopped with the error.
        assert result.error is None and result.stop_reason is not StopReason.ERROR, result.error
        assert result.usage.model_calls == 2
        # This chat format cannot stream a tool call (it ends the stream empty); the backend asked again.
        assert backend.capabilities.streaming_with_tools is False
        # It also leaves tool results out of the prompt, so the final answer is not graded here.
