"""The runner: bounded concurrency, repeats, errors apart from failures, timeouts, skips."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from llama_index.core.base.llms.types import ChatMessage

from ponder.agents.limits import Limits
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.evals.grading import GradeContext
from ponder.evals.report import build_report
from ponder.evals.runner import EvalRunner, JobFinished, RunOptions, RunPlanned, select_cases
from ponder.evals.sources import register_knowledge_resolver
from ponder.evals.suite import Case, Suite
from ponder.tools.base import tool
from tests.evals.eval_helpers import ARITHMETIC_SUITE, ArithmeticModel, suite_from


def many(n: int) -> Suite:
    cases = [Case(id=f"c{i}", input=f"What is {i} * 2?", expected=i * 2) for i in range(n)]
    suite = suite_from(ARITHMETIC_SUITE)
    for case in cases:
        case.graders = suite.cases[0].graders
    return replace(suite, cases=cases)


def test_every_case_is_run_and_graded() -> None:
    model = ArithmeticModel()
    records = EvalRunner(suite_from(ARITHMETIC_SUITE), model.backend()).run()
    assert [(r.key, r.status) for r in records] == [("a#0", "pass"), ("b#0", "pass"), ("c#0", "pass")]
    a = records[0]
    assert a.answer == "The answer is 36." and a.tool_calls[0].name == "calculator" and a.steps == 2
    assert a.model_calls == 2 and a.prompt_tokens > 0


def test_concurrency_is_bounded_and_used() -> None:
    model = ArithmeticModel(delay=0.15)
    started = time.perf_counter()
    records = EvalRunner(many(12), model.backend(), options=RunOptions(concurrency=4)).run()
    elapsed = time.perf_counter() - started
    assert all(r.status == "pass" for r in records)
    assert model.most_in_flight == 4
    # 12 cases x 2 calls x 0.15 s = 3.6 s in series; 4 at a time is 3 waves of 0.3 s
    assert elapsed < 2.0, elapsed


def test_repeats_give_pass_at_k_and_pass_hat_k() -> None:
    flaky = {"n": 0}

    def responder(messages: object) -> str:
        flaky["n"] += 1
        return "yes" if flaky["n"] % 2 else "no"

    suite = suite_from("cases: [{id: coin, input: flip, expected: 'yes', graders: [exact]}]")
    records = EvalRunner(suite, ScriptedBackend(responder=responder), options=RunOptions(repeat=4, concurrency=1)).run()
    assert [r.key for r in records] == ["coin#0", "coin#1", "coin#2", "coin#3"]
    report = build_report({"repeat": 4}, records)
    assert report.overall.passed == 2 and report.overall.score == 0.5
    assert report.overall.pass_at_k[4] == 1.0 and report.overall.pass_hat_k[4] == 0.0
    assert abs(report.overall.pass_at_k[2] - (1 - 1 / 6)) < 1e-9  # 1 - C(2,2)/C(4,2)


def test_backend_failures_are_errors_not_failures() -> None:
    backend = ScriptedBackend([Scripted(fail="server down"), "wrong", "You said: hello"])
    suite = suite_from("cases: [{id: a, input: x, expected: 'right'}, {id: b, input: y, expected: 'right'}]")
    records = EvalRunner(suite, backend, options=RunOptions(concurrency=1)).run()
    assert [r.status for r in records] == ["error", "fail"]
    assert "server down" in (records[0].error or "")
    report = build_report({}, records)
    assert report.overall.errors == 1 and report.overall.failed == 1 and report.overall.score == 0.0


def test_a_crashing_model_or_grader_is_an_error_and_the_run_goes_on() -> None:
    def responder(messages: object) -> str:
        raise RuntimeError("boom")

    crashed = EvalRunner(suite_from("cases: [{id: a, input: x, expected: y}]"), ScriptedBackend(responder=responder)).run()
    assert crashed[0].status == "error" and "RuntimeError: boom" in (crashed[0].error or "")

    suite = suite_from(
        f"""
        cases:
          - {{id: a, input: x, graders: [{{python: '{__name__}:explode'}}, {{contains: 'said'}}]}}
          - {{id: b, input: y, expected: 'said'}}
        """
    )
    records = EvalRunner(suite, ScriptedBackend(responder=lambda m: "You said it")).run()
    assert [r.status for r in records] == ["error", "pass"]
    assert records[0].grades[0].error == "ZeroDivisionError: division by zero"
    assert records[0].grades[1].passed is True


def explode(ctx: GradeContext) -> bool:
    return 1 / 0 > 0


def test_unscored_runs_are_neither_passes_nor_failures() -> None:
    suite = suite_from("cases: [{id: a, input: x, graders: [{llm_judge: 'is polite'}]}]")
    backend = ScriptedBackend(["Hello!", "no idea", "still no idea"])
    records = EvalRunner(suite, backend).run()
    assert records[0].status == "unscored"
    report = build_report({}, records)
    assert report.overall.unscored == 1 and report.overall.score is None


def test_a_hung_case_is_abandoned_at_the_hard_deadline() -> None:
    suite = suite_from("cases: [{id: slow, input: x, expected: y}, {id: fast, input: z, expected: said}]")

    def responder(messages: object) -> Scripted:
        return Scripted(text="You said z") if "z" in str(messages[-1].content) else Scripted(text="late", delay=5)  # type: ignore[index]

    started = time.perf_counter()
    records = EvalRunner(suite, ScriptedBackend(responder=responder), options=RunOptions(hard_timeout=0.5)).run()
    assert time.perf_counter() - started < 3
    assert [r.status for r in records] == ["error", "pass"]
    assert "hard limit" in (records[0].error or "")


def test_the_run_timeout_stops_a_slow_agent_as_a_failure() -> None:
    suite = suite_from(ARITHMETIC_SUITE)
    suite = replace(suite, agent=suite.agent.merged(limits=Limits(run_timeout=0.2)))
    model = ArithmeticModel(delay=0.3)
    records = EvalRunner(select_cases(suite, ids=["a"]), model.backend()).run()
    assert records[0].stop_reason == "timeout" and records[0].status == "fail"


def test_cases_bring_their_own_tools() -> None:
    @tool
    def shout(text: str) -> str:
        """Upper-case a text.

        Args:
            text: what to shout
        """
        return text.upper()

    suite = Suite(name="own", cases=[Case(id="s", input="shout hi", tools=[shout], graders=suite_from(
        "cases: [{id: x, input: y, graders: [{tool_called: shout}, {contains: HI}]}]").cases[0].graders)])
    backend = ScriptedBackend([Scripted(tool_calls=[("shout", {"text": "hi"})]), "HI"])
    records = EvalRunner(suite, backend).run()
    assert records[0].status == "pass"
    assert [t.name for t in backend.requests[0].tools] == ["shout"]


def test_skipped_and_knowledge_cases_are_recorded_as_skipped() -> None:
    suite = suite_from(
        """
        knowledge: no-such-base
        cases:
          - {id: docs, input: q, expected: a, tags: [knowledge]}
          - {id: later, input: q, expected: a, skip: not ready}
          - {id: plain, input: hello, expected: said}
        """
    )
    records = EvalRunner(suite, ScriptedBackend(responder=lambda m: "You said hello")).run()
    assert [r.status for r in records] == ["skipped", "skipped", "pass"]
    assert "no-such-base" in (records[0].error or "") and records[1].error == "not ready"


def test_a_resolved_knowledge_base_gives_its_tools_to_the_agent() -> None:
    @tool
    def search_handbook(query: str) -> str:
        """Search the handbook.

        Args:
            query: what to look for
        """
        return "Use --resume."

    register_knowledge_resolver(lambda name: [search_handbook] if name == "handbook" else None)
    suite = suite_from("knowledge: handbook\ncases: [{id: docs, input: q, expected: resume, tags: [knowledge]}]")
    backend = ScriptedBackend([Scripted(tool_calls=[("search_handbook", {"query": "resume"})]), "Use --resume"])
    records = EvalRunner(suite, backend).run()
    assert records[0].status == "pass" and records[0].tool_calls[0].output == "Use --resume."


def test_selection_by_id_and_tags() -> None:
    suite = suite_from(ARITHMETIC_SUITE)
    assert [c.id for c in select_cases(suite, tags=["math"]).cases] == ["a", "b"]
    assert [c.id for c in select_cases(suite, skip_tags=["math"]).cases] == ["c"]
    assert [c.id for c in select_cases(suite, ids=["b", "c"], skip_tags=["talk"]).cases] == ["b"]


def test_progress_events_arrive_in_order() -> None:
    events: list[object] = []
    EvalRunner(suite_from(ARITHMETIC_SUITE), ArithmeticModel().backend(), on_event=events.append).run()
    assert isinstance(events[0], RunPlanned) and events[0].to_run == 3
    assert sum(isinstance(e, JobFinished) for e in events) == 3


def test_a_conversation_case_runs_its_turns_in_one_session() -> None:
    def responder(messages: Sequence[ChatMessage]) -> str:
        said = " ".join(str(m.content) for m in messages if m.role.value == "user")
        if str(messages[-1].content).startswith("What is my name"):
            return "Your name is Ada." if "Ada" in said else "I do not know."
        return "Nice to meet you."

    suite = suite_from(
        """
        cases:
          - id: remember
            input: My name is Ada.
            turns: ["What is my name?"]
            expected: Ada
        """
    )
    (record,) = EvalRunner(suite, ScriptedBackend(responder=responder)).run()
    assert record.status == "pass" and record.answer == "Your name is Ada."
    assert record.steps == 2 and record.model_calls == 2
