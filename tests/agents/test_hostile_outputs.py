"""Every malformed or hostile reply in the corpus is read to the right outcome, quickly, and never
returned as the answer when it attempted a call; plus property-based fuzzing of the same functions.

The time bound per reply is a safety net against blow-ups (a quadratic reader took minutes on
some of these); the figures themselves are measured by benchmarks/abuse.py.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ponder.agents.actions import (
    CallWatch,
    complete_action_end,
    extract_actions,
    final_answer,
    mentioned_tool,
    runaway_end,
)
from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.backends.scripted import ScriptedBackend
from ponder.tools.base import Tool, tool
from tests.agents.hostile_outputs import CASES, TOOLS, Hostile

SECONDS_PER_REPLY = 3.0
FUZZ = settings(deadline=2000, max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def outcome(text: str) -> str:
    found = extract_actions(text, TOOLS)
    if found.calls:
        assert found.error is None
        return "call"
    return "mistake" if found.error else "answer"


def test_the_corpus_holds_over_100_replies_of_every_outcome() -> None:
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.expect for c in CASES} == {"call", "answer", "mistake"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_hostile_reply_is_read_to_its_outcome_in_bounded_time(case: Hostile) -> None:
    started = time.perf_counter()
    found = extract_actions(case.text, TOOLS)
    got = "call" if found.calls else "mistake" if found.error else "answer"
    assert got == case.expect, found.error
    if case.calls:
        assert tuple(c.name for c in found.calls) == case.calls
    assert 0 <= found.start <= found.end <= len(case.text)
    final_answer(case.text)
    mentioned_tool(case.text, TOOLS)
    runaway_end(case.text)
    complete_action_end(case.text, TOOLS)
    assert time.perf_counter() - started < SECONDS_PER_REPLY


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_hostile_reply_streamed_in_small_deltas_stays_within_the_bound(case: Hostile) -> None:
    watch = CallWatch(TOOLS)
    started = time.perf_counter()
    text, step = "", 256
    for i in range(0, len(case.text), step):
        text += case.text[i : i + step]
        if watch(text) is not None:
            break
    assert time.perf_counter() - started < SECONDS_PER_REPLY


def _stub_tools() -> list[Tool]:
    @tool
    def calculator(expression: str) -> str:
        """Evaluate an arithmetic expression.

        Args:
            expression: the expression
        """
        return "4"

    @tool
    def python(code: str) -> str:
        """Run a Python program.

        Args:
            code: the program
        """
        return "ran"

    @tool
    def fetch_url(url: str) -> str:
        """Fetch a page.

        Args:
            url: the page's URL
        """
        return "page"

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers.

        Args:
            a: the first number
            b: the second number
        """
        return a + b

    return [calculator, python, fetch_url, add]


ATTEMPTS = [c for c in CASES if c.expect != "answer"]


@pytest.mark.parametrize("case", ATTEMPTS, ids=[c.id for c in ATTEMPTS])
def test_a_reply_that_attempts_a_call_is_never_returned_as_the_answer(case: Hostile) -> None:
    backend = ScriptedBackend([case.text, "The answer is 4."], native_tool_calls=False)
    agent = Agent(backend, tools=_stub_tools(), limits=Limits(max_steps=4))
    result = agent.run("What is 2+2?")
    assert result.answer == "The answer is 4."
    assert result.trajectory, "the reply was neither run as a call nor sent back as a mistake"
    if case.expect == "mistake" and result.step_records[0].text == case.text:  # not cut short at an earlier call
        assert result.trajectory[0].error_kind == "parse"


# -- property-based fuzzing --------------------------------------------------------------------

SYNTAX = st.sampled_from(
    ["{", "}", "[", "]", "(", ")", '"', "'", ":", ",", "\n", " ", "\\", "`", "```", "```json\n", "<tool_call>",
     "</tool_call>", "<function=", "<parameter=", "Action:", "Action Input:", "Observation:", "Final Answer:",
     '"name"', '"arguments"', "calculator", "add", "python", "=", "1", "-2.5e3", "true", "null", "x", "é", "｛", "“"]
)
NOISE = st.lists(SYNTAX | st.text(max_size=8), max_size=400).map("".join)


def _consistent(text: str) -> None:
    found = extract_actions(text, TOOLS)
    assert not (found.calls and found.error)
    assert 0 <= found.start <= found.end <= len(text)
    for call in found.calls:
        assert isinstance(call.name, str) and isinstance(call.arguments, dict)
    end = complete_action_end(text, TOOLS)
    assert end is None or 0 < end <= len(text)
    cut = runaway_end(text)
    assert cut is None or 0 < cut <= len(text)
    final_answer(text)
    mentioned_tool(text, TOOLS)


@FUZZ
@given(NOISE)
def test_fuzz_syntax_soup_never_breaks_the_readers(text: str) -> None:
    _consistent(text)


@FUZZ
@given(st.text(max_size=2000))
def test_fuzz_any_unicode_text_never_breaks_the_readers(text: str) -> None:
    _consistent(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
ARGUMENTS = st.dictionaries(st.text(min_size=1, max_size=10), JSON_VALUES, max_size=5)
WRAPPERS = ["<tool_call>{}</tool_call>", "```json\n{}\n```", "Thought: ok\n<tool_call>\n{}\n</tool_call>", "{}", "```\n{}\n```"]


@FUZZ
@given(st.sampled_from(TOOLS), ARGUMENTS, st.sampled_from(WRAPPERS), st.text(max_size=200))
def test_fuzz_a_well_formed_call_is_always_read_back_exactly(name: str, arguments: dict[str, object], wrapper: str, before: str) -> None:
    before = before.replace("`", "").replace("<", "").replace("{", "").replace("[", "").replace("Action", "")
    body = json.dumps({"name": name, "arguments": arguments})
    assume("```" not in body or "```" not in wrapper)  # a Markdown fence cannot hold its own closing fence
    found = extract_actions(before + "\n" + wrapper.replace("{}", body), TOOLS)
    assert [(c.name, c.arguments) for c in found.calls] == [(name, arguments)]


@FUZZ
@given(st.sampled_from(TOOLS), ARGUMENTS, st.data())
def test_fuzz_a_call_cut_or_spliced_anywhere_never_breaks_the_readers(name: str, arguments: dict[str, object], data: st.DataObject) -> None:
    whole = "<tool_call>" + json.dumps({"name": name, "arguments": arguments}) + "</tool_call>"
    cut = data.draw(st.integers(0, len(whole)))
    splice = data.draw(NOISE)
    for text in (whole[:cut], whole[:cut] + splice + whole[cut:]):
        _consistent(text)
        streamed = CallWatch(TOOLS)
        for i in range(1, len(text) + 1, 7):
            streamed(text[:i])
