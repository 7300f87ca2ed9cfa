"""What the agent did, read back as conversations: eval logs, batch results, chat sessions."""

from __future__ import annotations

from pathlib import Path

from ponder.export.sources import read_sources


def by_id(conversations: list) -> dict:  # type: ignore[type-arg]
    return {c.id: c for c in conversations}


def test_an_eval_log_gives_one_conversation_per_case_with_the_suites_prompt_and_tools(eval_log: Path) -> None:
    conversations = by_id(read_sources([str(eval_log)]))
    assert set(conversations) == {"arithmetic/multiply#0", "arithmetic/add#0", "arithmetic/long#0"}
    multiply = conversations["arithmetic/multiply#0"]
    assert [m["role"] for m in multiply.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert multiply.messages[0]["content"] == "Use the calculator for arithmetic."
    assert multiply.messages[2]["tool_calls"][0]["function"] == {"name": "calculator", "arguments": {"expression": "6 * 7"}}
    assert multiply.messages[2]["content"] == "I will use the calculator."  # the step's text, kept by the record
    assert multiply.messages[3] == {"role": "tool", "tool_call_id": "call_1", "name": "calculator", "content": "42"}
    assert multiply.messages[4] == {"role": "assistant", "content": "6 * 7 is 42."}
    assert [t["function"]["name"] for t in multiply.tools] == ["calculator"]
    assert (multiply.passed, multiply.steps) == (True, 2)
    assert (conversations["arithmetic/add#0"].passed, conversations["arithmetic/long#0"].steps) == (False, 3)


def test_batch_results_keep_the_models_thought_before_its_call(batch_results: Path) -> None:
    conversations = read_sources([str(batch_results)])
    first, second = conversations
    assert first.messages[2]["content"] == "I will multiply."
    assert first.messages[2]["tool_calls"][0]["function"]["arguments"] == {"expression": "12 * 12"}
    assert first.messages[3]["content"] == "144"
    assert first.messages[-1] == {"role": "assistant", "content": "12 * 12 is 144."}
    assert second.messages[1:] == [{"role": "user", "content": "Say hello."}, {"role": "assistant", "content": "Hello!"}]
    assert second.tools == []  # it called nothing: no tool to offer


def test_a_native_session_becomes_one_multi_turn_conversation(native_session: str) -> None:
    (conversation,) = read_sources([native_session])
    roles = [m["role"] for m in conversation.messages]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user", "assistant"]
    call = conversation.messages[2]["tool_calls"][0]
    assert call["function"] == {"name": "calculator", "arguments": {"expression": "2 ** 10"}}
    assert conversation.messages[3]["tool_call_id"] == call["id"] and conversation.messages[3]["content"] == "1024"
    assert conversation.passed is True


def test_a_text_protocol_session_has_its_calls_and_observations_read_back(text_session: str) -> None:
    (conversation,) = read_sources([text_session])
    assistant, tool = conversation.messages[2], conversation.messages[3]
    assert assistant["content"] == "Let me compute."
    assert assistant["tool_calls"][0]["function"] == {"name": "calculator", "arguments": {"expression": "9 * 9"}}
    assert tool == {"role": "tool", "tool_call_id": assistant["tool_calls"][0]["id"], "name": "calculator", "content": "81"}
