"""The embedded model for real: streaming, tool use, KV-cache reuse, errors.

Slow: each test runs Qwen2.5-Coder-1.5B on the CPU (a few seconds to a minute each).
"""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents import events as ev
from ponder.agents.agent import Agent
from ponder.agents.result import StopReason
from ponder.backends.base import ModelReply, ModelRequest
from ponder.errors import ConfigError, ModelNotFound

pytestmark = pytest.mark.slow

llama_cpp = pytest.importorskip("llama_cpp", reason="the embedded model needs pip install 'ponder[local]'")


@pytest.fixture(scope="module")
def backend():  # type: ignore[no-untyped-def]
    from ponder.backends.local.backend import LocalBackend

    b = LocalBackend("qwen2.5-coder-1.5b", n_ctx=4096)
    b.load()
    return b


def test_streams_a_plain_answer_token_by_token(backend) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    request = ModelRequest(messages=[ChatMessage(role=MessageRole.USER, content="Say hello in French, one word.")], max_tokens=16)
    items = list(backend.stream(request))
    deltas = [i for i in items if isinstance(i, str)]
    reply = items[-1]
    assert isinstance(reply, ModelReply)
    assert len(deltas) >= 1 and "".join(deltas) == reply.text
    assert "bonjour" in reply.text.lower()
    assert reply.usage.completion_tokens > 0


def test_uses_the_calculator_and_answers_with_its_result(backend) -> None:  # type: ignore[no-untyped-def]
    from ponder.tools.builtin.calculator import calculator

    result = Agent(backend, tools=[calculator]).run("What is 1234 * 5678 + 91? Use the calculator.")
    assert result.stop_reason is StopReason.ANSWER
    assert [c.name for c in result.trajectory][:1] == ["calculator"]
    assert "7006743" in (result.answer or "").replace(",", "")


def test_a_call_written_under_the_text_protocol_is_constrained_to_the_tools_schema(backend) -> None:  # type: ignore[no-untyped-def]
    from ponder.agents.protocol import Protocol, system_message
    from ponder.tools.builtin.calculator import calculator

    system = system_message("You are a helpful assistant.", [calculator], Protocol.TEXT, None)
    user = ChatMessage(role=MessageRole.USER, content="What is 1234 * 5678? Use the calculator.")
    # The tools are in the prompt's text, not handed to the template; the grammar still applies.
    request = ModelRequest(messages=[system, user], call_tools=[calculator], max_tokens=96, stop=["</tool_call>"])
    reply = list(backend.stream(request))[-1]
    assert isinstance(reply, ModelReply)
    assert reply.finish_reason == "constrained_call", reply.text
    assert '"calculator"' in reply.text and '"expression"' in reply.text

    result = Agent(backend, tools=[calculator], protocol="text").run("What is 1234 * 5678? Use the calculator.")
    assert [c.name for c in result.trajectory][:1] == ["calculator"]
    assert "7006652" in (result.answer or "").replace(",", "")


def test_a_required_call_is_written_as_a_call_even_when_the_model_would_answer(backend) -> None:  # type: ignore[no-untyped-def]
    from ponder.agents.actions import extract_actions
    from ponder.tools.builtin.calculator import calculator

    user = ChatMessage(role=MessageRole.USER, content="I earn 23.40 an hour and worked 37.5 hours. What is my pay?")
    free = list(backend.stream(ModelRequest(messages=[user], tools=[calculator], max_tokens=48)))[-1]
    required = list(backend.stream(ModelRequest(messages=[user], tools=[calculator], max_tokens=96, require_call=True)))[-1]
    assert isinstance(free, ModelReply) and isinstance(required, ModelReply)
    assert not free.text.startswith("<tool_call>"), "the model answers this one by hand when left free"
    assert required.text.startswith("<tool_call>") and required.finish_reason == "constrained_call", required.text
    calls = extract_actions(required.text, ["calculator"]).calls
    assert [c.name for c in calls] == ["calculator"]


def test_later_steps_read_only_the_new_tokens(backend) -> None:  # type: ignore[no-untyped-def]
    from ponder.tools.builtin.calculator import calculator

    result = Agent(backend, tools=[calculator]).run("What is 2**20? Use the calculator.")
    records = result.step_records
    assert len(records) >= 2
    for previous, step in zip(records, records[1:], strict=False):
        new_tokens = step.prompt_tokens - previous.prompt_tokens - previous.completion_tokens
        # What the step evaluated: the observation and the turn markers, not the whole prompt again.
        assert step.prompt_tokens_evaluated is not None
        assert step.prompt_tokens_evaluated <= new_tokens + previous.completion_tokens + 16
        assert step.prompt_tokens_evaluated < step.prompt_tokens / 2


def test_the_model_stays_loaded_across_agents(backend) -> None:  # type: ignore[no-untyped-def]
    from ponder.backends.local.backend import LocalBackend

    other = LocalBackend("qwen2.5-coder-1.5b", n_ctx=4096)
    assert other.load() is backend.load()


def test_sessions_keep_history_on_the_embedded_model(backend) -> None:  # type: ignore[no-untyped-def]
    agent = Agent(backend)
    agent.chat("My name is Ada. Reply with just OK.")
    answer = agent.chat("What is my name? Reply with just the name.").answer or ""
    assert "ada" in answer.lower()


def test_text_deltas_arrive_as_events(backend) -> None:  # type: ignore[no-untyped-def]
    events = list(Agent(backend).stream("Count from 1 to 5, separated by spaces."))
    deltas = [e for e in events if isinstance(e, ev.TextDelta)]
    assert len(deltas) > 3


def test_a_missing_gguf_path_names_the_problem() -> None:
    from ponder.backends.local.backend import LocalBackend

    with pytest.raises(ModelNotFound, match="no model file"):
        LocalBackend("/nonexistent/model.gguf").load()


def test_a_new_conversation_skips_the_system_prompt_it_shares_with_an_earlier_one(backend) -> None:  # type: ignore[no-untyped-def]
    system = ChatMessage(
        role=MessageRole.SYSTEM,
        content="You are a careful assistant for a shipping company. Answer in one short sentence, "
        "name units, and never invent tracking numbers. If a question is not about shipping, say so.",
    )

    def ask(*messages: ChatMessage) -> ModelReply:
        reply = list(backend.stream(ModelRequest(messages=list(messages), max_tokens=24)))[-1]
        assert isinstance(reply, ModelReply)
        return reply

    question = ChatMessage(role=MessageRole.USER, content="How heavy may a parcel be?")
    first = ask(system, question)
    ask(ChatMessage(role=MessageRole.USER, content="Name a colour."))  # another conversation takes the live cache
    again = ask(system, question)
    assert (first.usage.prompt_tokens_evaluated or 0) > first.usage.prompt_tokens - 8  # read in full
    # The system prompt came back from the saved prefix: only the question was read again ...
    assert again.usage.prompt_tokens_evaluated is not None
    assert again.usage.prompt_tokens_evaluated < again.usage.prompt_tokens - 40
    # ... and the restored state answers exactly as reading it afresh did.
    assert again.text == first.text


def test_a_saved_prefix_llama_cpp_refuses_is_read_again_instead(backend) -> None:  # type: ignore[no-untyped-def]
    model = backend.load()
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="You are a geography tutor. Reply with one word, the answer, and nothing more. " * 2),
        ChatMessage(role=MessageRole.USER, content="What is the capital of France?"),
    ]
    tokens = model.tokenize(model.render(messages))
    model.prefixes.put(tokens[:48], b"not a KV state")  # what a corrupt entry would hand back
    reply = list(backend.stream(ModelRequest(messages=messages, max_tokens=8)))[-1]
    assert isinstance(reply, ModelReply)
    assert "paris" in reply.text.lower()
    assert (reply.usage.prompt_tokens_evaluated or 0) > reply.usage.prompt_tokens - 8


def test_tools_are_listed_as_signatures_in_fewer_prompt_tokens_and_still_called(backend) -> None:  # type: ignore[no-untyped-def]
    from ponder.backends.local.backend import LocalBackend
    from ponder.tools.builtin.calculator import calculator

    model = backend.load()
    messages = [ChatMessage(role=MessageRole.USER, content="What is 2**20?")]
    listed = model.render(messages, [calculator], listing="signature")
    as_json = model.render(messages, [calculator], listing="json")
    assert "calculator(" in listed and '"properties"' not in listed
    assert '"properties"' in as_json
    assert len(model.tokenize(listed)) < len(model.tokenize(as_json))
    with pytest.raises(ConfigError, match="yaml") as refused:
        LocalBackend("qwen2.5-coder-1.5b", tool_listing="yaml")
    assert "json, signature" in str(refused.value.fix)
    # The model reads the signature and writes a call the loop runs (calculator's own test asks
    # for the tool by name; this one does not).
    listing = LocalBackend("qwen2.5-coder-1.5b", n_ctx=4096, tool_listing="signature")
    listing._loaded = model  # the same loaded model, listed differently
    result = Agent(listing, tools=[calculator]).run("What is 2**20?")
    assert [c.name for c in result.trajectory][:1] == ["calculator"]
    assert "1048576" in (result.answer or "").replace(",", "")


def test_greedy_sampling_under_a_grammar_picks_the_tokens_llama_cpps_own_sampler_picks(backend) -> None:  # type: ignore[no-untyped-def]
    from llama_cpp import LlamaGrammar

    model = backend.load()
    messages = [ChatMessage(role=MessageRole.USER, content="Which city is the capital of France? Reply in JSON.")]
    prompt = model.tokenize(model.render(messages))
    # The model would begin "```json" or "The": the grammar refuses that first pick, so the whole
    # vocabulary is checked there; later picks pass the one-token check.
    rules = r'root ::= "{\"city\": \"" [A-Z] [a-z]+ "\", \"country\": \"" [A-Z] [a-z]+ "\"}"'

    def write() -> str:
        model.llama.reset()
        out = model.llama.create_completion(
            prompt, grammar=LlamaGrammar.from_string(rules, verbose=False), temperature=0.0, max_tokens=24
        )
        return str(out["choices"][0]["text"])  # type: ignore[index]

    with model.lock:
        fast = write()
        del model.llama._init_sampler  # llama-cpp-python's own sampler chain, grammar on every candidate
        try:
            stock = write()
        finally:
            model._use_fast_grammar_sampling()
            model.llama.reset()
    assert fast == stock == '{"city": "Paris", "country": "France"}'
