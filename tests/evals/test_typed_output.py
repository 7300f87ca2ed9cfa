"""Typed answers in evals: a suite or a case declares the output type, and the graders see the validated value."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage
from pydantic import BaseModel

from ponder.agents.result import RunResult, StopReason
from ponder.backends.scripted import ScriptedBackend
from ponder.errors import InputError
from ponder.evals.grading import GradeContext, parse_grader
from ponder.evals.loading import load_suite_file
from ponder.evals.runner import EvalRunner
from ponder.evals.suite import Case
from tests.evals.eval_helpers import suite_from


class Forecast(BaseModel):
    city: str
    unit: str = "C"
    high: int


REF = "tests.evals.test_typed_output:Forecast"


def test_the_json_grader_sees_the_validated_value_with_its_defaults() -> None:
    suite = suite_from(
        f"""
        output_type: {REF}
        cases:
          - id: oslo
            input: Oslo tomorrow?
            graders:
              - json: {{value: {{city: Oslo, unit: C, high: 12}}}}
        """
    )
    backend = ScriptedBackend(['{"city": "Oslo", "high": 12}'])
    (record,) = EvalRunner(suite, backend).run()
    assert record.status == "pass", record.failure_reason
    assert backend.requests[0].answer_schema == Forecast.model_json_schema()


def test_the_schema_grader_fails_a_run_whose_answer_never_validated() -> None:
    suite = suite_from(
        f"""
        output_type: {REF}
        graders: [schema]
        cases:
          - {{id: good, input: a}}
          - {{id: bad, input: b}}
        """
    )
    def responder(messages: Sequence[ChatMessage]) -> str:
        task = next(m.content for m in messages if m.role.value == "user")
        return '{"city": "Oslo", "high": 12}' if task == "a" else "warm"

    backend = ScriptedBackend(responder=responder)
    records = {r.case: r for r in EvalRunner(suite, backend).run()}
    assert records["good"].status == "pass"
    assert records["bad"].status == "fail" and records["bad"].stop_reason == "invalid_output"
    assert "schema: the answer did not validate: the answer is not JSON" in records["bad"].failure_reason()


def test_a_case_declares_its_own_output_type() -> None:
    suite = suite_from(
        f"""
        output_type: {REF}
        cases:
          - id: count
            input: How many?
            output_type: {{type: object, properties: {{n: {{type: integer}}}}, required: [n]}}
            graders: [{{json: {{value: {{n: 3}}}}}}]
        """
    )
    backend = ScriptedBackend(['{"n": 3}'])
    (record,) = EvalRunner(suite, backend).run()
    assert record.status == "pass", record.failure_reason
    assert backend.requests[0].answer_schema == {
        "type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]
    }


def test_an_output_type_that_cannot_be_imported_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            cases:
              - id: a
                input: x
                expected: y
                output_type: nowhere:Thing
            """
        )
    )
    with pytest.raises(InputError) as err:
        load_suite_file(path)
    assert "suite.yaml:5: cases[0].output_type: cannot import the output type 'nowhere:Thing'" in str(err.value)


def test_the_schema_grader_can_add_a_json_schema_of_its_own() -> None:
    grader = parse_grader({"schema": {"schema": {"type": "object", "properties": {"high": {"maximum": 10}}}}})
    run = RunResult(
        task="t", answer='{"city": "Oslo", "high": 12}', stop_reason=StopReason.ANSWER, model="m", protocol="native",
        steps=1, output=Forecast(city="Oslo", high=12),
    )
    outcome = grader.grade(GradeContext(case=Case(id="c", input="x"), result=run))
    assert outcome.passed is False and "high: 12 is greater than the maximum of 10" in outcome.reason
