"""The response cache: reruns make no model calls, keys cover the whole request, replies replay exactly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.backends.base import ModelReply, ModelRequest, NativeToolCall, Usage
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.evals.cache import CacheStore, CachingBackend
from ponder.evals.runner import EvalRunner, RunOptions
from tests.evals.eval_helpers import ARITHMETIC_SUITE, ArithmeticModel, suite_from


def run_twice(tmp_path: Path, *, replay_runs: bool) -> tuple[ArithmeticModel, list[str], list[str]]:
    model = ArithmeticModel()
    suite = suite_from(ARITHMETIC_SUITE)
    outcomes = []
    for _ in range(2):
        store = CacheStore.in_dir(tmp_path)
        records = EvalRunner(suite, model.backend(), options=RunOptions(cache=store, replay_runs=replay_runs, repeat=2)).run()
        store.close()
        outcomes.append([f"{r.key}:{r.status}:{r.answer}:{r.cached}" for r in records])
    return model, outcomes[0], outcomes[1]


def test_second_run_makes_zero_model_calls_with_response_replay(tmp_path: Path) -> None:
    model, first, second = run_twice(tmp_path, replay_runs=False)
    assert model.calls == 10  # (2 + 2 + 1 calls) x 2 repeats, all in the first run
    assert [s.rsplit(":", 1)[0] for s in first] == [s.rsplit(":", 1)[0] for s in second]
    assert all(s.endswith(":no") for s in first) and all(s.endswith(":responses") for s in second)


def test_second_run_replays_whole_runs_when_allowed(tmp_path: Path) -> None:
    model, first, second = run_twice(tmp_path, replay_runs=True)
    assert model.calls == 10
    assert all(s.endswith(":run") for s in second)
    assert [s.rsplit(":", 1)[0] for s in first] == [s.rsplit(":", 1)[0] for s in second]


def test_changing_the_suite_misses_the_cache_for_what_changed(tmp_path: Path) -> None:
    model = ArithmeticModel()
    suite = suite_from(ARITHMETIC_SUITE)
    store = CacheStore.in_dir(tmp_path)
    EvalRunner(suite, model.backend(), options=RunOptions(cache=store)).run()
    calls = model.calls
    warmer = replace(suite, agent=suite.agent.merged(temperature=0.7))
    EvalRunner(warmer, model.backend(), options=RunOptions(cache=store)).run()
    assert model.calls == 2 * calls  # temperature is part of every key
    prompted = replace(suite, agent=suite.agent.merged(system_prompt="Answer tersely."))
    EvalRunner(prompted, model.backend(), options=RunOptions(cache=store)).run()
    assert model.calls == 3 * calls


def test_repeats_are_separate_samples(tmp_path: Path) -> None:
    answers = iter(["first", "second"])
    backend = ScriptedBackend(responder=lambda m: next(answers))
    suite = suite_from("cases: [{id: a, input: x, expected: first}]")
    store = CacheStore.in_dir(tmp_path)
    records = EvalRunner(suite, backend, options=RunOptions(cache=store, repeat=2, concurrency=1)).run()
    assert [r.answer for r in records] == ["first", "second"]


def test_failed_calls_are_not_cached(tmp_path: Path) -> None:
    store = CacheStore.in_dir(tmp_path)
    suite = suite_from("cases: [{id: a, input: x, expected: fine}]")
    first = EvalRunner(suite, ScriptedBackend([Scripted(fail="down")]), options=RunOptions(cache=store)).run()
    assert first[0].status == "error"
    second = EvalRunner(suite, ScriptedBackend(["fine"]), options=RunOptions(cache=store)).run()
    assert second[0].status == "pass" and second[0].cached == "no"


class NativeBackend(ScriptedBackend):
    """A backend whose native replies carry the assistant message with SDK-style tool calls."""

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        self.requests.append(request)
        yield "thinking "
        message = ChatMessage(
            role=MessageRole.ASSISTANT,
            content="",
            additional_kwargs={"tool_calls": [{"id": "c1", "type": "function", "function": {"name": "calc", "arguments": '{"x": 1}'}}]},
        )
        yield ModelReply(
            text="thinking ",
            tool_calls=[NativeToolCall(id="c1", name="calc", arguments={"x": 1})],
            usage=Usage(prompt_tokens=12, completion_tokens=3, prompt_tokens_evaluated=4),
            finish_reason="tool_calls",
            message=message,
        )


def test_native_replies_replay_with_their_message_rebuilt(tmp_path: Path) -> None:
    inner = NativeBackend()
    store = CacheStore.in_dir(tmp_path)
    request = ModelRequest(messages=[ChatMessage(role=MessageRole.USER, content="go")], temperature=0.0)
    live = list(CachingBackend(inner, store).stream(request))
    replayed = list(CachingBackend(inner, store).stream(request))
    assert len(inner.requests) == 1
    assert replayed[0] == "thinking "
    reply = replayed[-1]
    assert isinstance(reply, ModelReply)
    assert reply.tool_calls == live[-1].tool_calls  # type: ignore[union-attr]
    assert reply.usage == Usage(prompt_tokens=12, completion_tokens=3, prompt_tokens_evaluated=4)
    assert reply.finish_reason == "tool_calls"
    assert reply.message is not None and reply.message.additional_kwargs["tool_calls"][0]["id"] == "c1"
    assert reply.message.role == MessageRole.ASSISTANT


def test_the_key_covers_messages_seed_and_repeat(tmp_path: Path) -> None:
    inner = NativeBackend()
    store = CacheStore.in_dir(tmp_path)
    base = ModelRequest(messages=[ChatMessage(role=MessageRole.USER, content="go")])
    for request, repeat in [
        (base, 0),
        (base, 1),
        (replace(base, seed=3), 0),
        (replace(base, messages=[ChatMessage(role=MessageRole.USER, content="stop")]), 0),
        (base, 0),
    ]:
        list(CachingBackend(inner, store, repeat=repeat).stream(request))
    assert len(inner.requests) == 4  # only the last request repeats an earlier one
    assert store.count("responses") == 4


def test_the_store_is_shared_safely_between_threads(tmp_path: Path) -> None:
    model = ArithmeticModel(delay=0.01)
    store = CacheStore.in_dir(tmp_path)
    suite = suite_from(ARITHMETIC_SUITE)
    EvalRunner(suite, model.backend(), options=RunOptions(cache=store, repeat=8, concurrency=16, replay_runs=False)).run()
    assert store.count("responses") == model.calls == 40
