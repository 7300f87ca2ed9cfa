"""Typed answers through the loop, on the scripted model: validated, asked again once, then a clear stop."""

from __future__ import annotations

import json

from pydantic import BaseModel

from ponder.agents import events as ev
from ponder.agents.agent import Agent
from ponder.agents.limits import Limits
from ponder.agents.result import RunResult, StopReason
from ponder.agents.spec import AgentSpec
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.tools.base import Tool


class City(BaseModel):
    name: str
    population: int


PARIS = '{"name": "Paris", "population": 2100000}'


def typed(replies: list[object], **kwargs: object) -> tuple[Agent, ScriptedBackend]:
    backend = ScriptedBackend(replies)  # type: ignore[arg-type]
    return Agent(backend, output_type=City, **kwargs), backend  # type: ignore[arg-type]


def test_a_valid_answer_is_the_validated_value_and_the_text_stays() -> None:
    agent, _ = typed([PARIS])
    result = agent.run("Tell me about Paris.")
    assert result.stop_reason is StopReason.ANSWER
    assert result.output == City(name="Paris", population=2100000)
    assert result.answer == PARIS


def test_every_request_carries_the_answer_schema() -> None:
    agent, backend = typed([PARIS])
    agent.run("Paris?")
    assert backend.requests[0].answer_schema == City.model_json_schema()
    assert backend.requests[0].answer_only is False


def test_the_model_is_told_the_schema_in_the_system_prompt() -> None:
    agent, backend = typed([PARIS])
    agent.run("Paris?")
    system = str(backend.requests[0].messages[0].content)
    assert '"population": {"type": "integer"}' in system


def test_an_invalid_answer_goes_back_once_with_the_problem_and_tools_off(tools: list[Tool]) -> None:
    agent, backend = typed(['{"name": "Paris", "population": "many"}', PARIS], tools=tools)
    events = list(agent.stream("Paris?"))
    result = [e for e in events if isinstance(e, ev.RunFinished)][0].result
    assert result.stop_reason is StopReason.ANSWER and result.output == City(name="Paris", population=2100000)
    (mistake,) = [e for e in events if isinstance(e, ev.ModelMistakeEvent)]
    assert mistake.kind == "invalid_output"
    assert "'population': Input should be a valid integer" in mistake.observation
    reask = backend.requests[1]
    assert reask.messages[-1].content == mistake.observation
    assert reask.answer_only is True and reask.tools == [], "the answer alone is asked for"
    assert reask.answer_schema == City.model_json_schema()


def test_a_second_invalid_answer_ends_the_run_with_the_raw_text_not_an_exception() -> None:
    agent, _ = typed(["Paris is big.", "Paris is very big."])
    result = agent.run("Paris?")
    assert result.stop_reason is StopReason.INVALID_OUTPUT
    assert result.answer == "Paris is very big."
    assert result.output is None
    assert result.output_error == "the answer is not JSON"
    assert not result.ok


def test_tools_are_called_before_the_typed_answer(tools: list[Tool]) -> None:
    agent, backend = typed(
        [Scripted(tool_calls=[("add", {"a": 2000000, "b": 100000})]), PARIS], tools=tools
    )
    result = agent.run("Paris has 2000000 people plus 100000 more. Give the city.")
    assert [c.name for c in result.trajectory] == ["add"]
    assert result.output == City(name="Paris", population=2100000)
    assert backend.requests[0].tools, "calls stay possible while the answer is typed"


def test_the_last_attempt_after_a_limit_is_checked_too(tools: list[Tool]) -> None:
    agent, _ = typed(
        [Scripted(tool_calls=[("add", {"a": 1, "b": 1})]), PARIS], tools=tools, limits=Limits(max_steps=1)
    )
    result = agent.run("Paris?")
    assert result.stop_reason is StopReason.MAX_STEPS
    assert result.output == City(name="Paris", population=2100000)


def test_a_run_without_an_output_type_is_unchanged() -> None:
    backend = ScriptedBackend(["Paris."])
    result = Agent(backend).run("Paris?")
    assert result.output is None and result.output_error is None
    assert backend.requests[0].answer_schema is None


def test_the_spec_names_the_type_and_builds_an_agent_with_it() -> None:
    agent, _ = typed([PARIS])
    assert agent.spec.output_type == "tests.agents.test_typed_answers:City"
    spec = AgentSpec.from_json(agent.spec.to_json())
    rebuilt = spec.build(backend=ScriptedBackend([PARIS]))
    assert rebuilt.run("Paris?").output == City(name="Paris", population=2100000)


def test_a_json_schema_output_type_gives_plain_json() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    spec = AgentSpec(output_type=schema)
    result = spec.build(backend=ScriptedBackend(['{"n": 7}'])).run("seven")
    assert result.output == {"n": 7}


def test_the_output_survives_a_json_round_trip_of_the_result() -> None:
    agent, _ = typed([PARIS])
    result = agent.run("Paris?")
    again = RunResult.model_validate_json(result.model_dump_json())
    assert again.output == json.loads(PARIS)


class Mayor(BaseModel):
    name: str


class Town(BaseModel):
    town: str
    mayor: Mayor


FENCED = 'Here it is:\n```json\n{"town": "Lyon", "mayor": {"name": "Grégory Doucet"}}\n```'


def test_a_fenced_answer_with_a_name_key_inside_is_the_answer_not_a_broken_call() -> None:
    backend = ScriptedBackend([FENCED])
    result = Agent(backend, output_type=Town).run("Lyon?")
    assert result.stop_reason is StopReason.ANSWER
    assert result.output == Town(town="Lyon", mayor=Mayor(name="Grégory Doucet"))
    assert result.trajectory == [] and result.usage.model_calls == 1


def test_the_last_attempt_takes_a_fenced_typed_answer_too(tools: list[Tool]) -> None:
    backend = ScriptedBackend([Scripted(tool_calls=[("add", {"a": 1, "b": 1})]), FENCED])
    result = Agent(backend, tools=tools, output_type=Town, limits=Limits(max_steps=1)).run("Lyon?")
    assert result.stop_reason is StopReason.MAX_STEPS
    assert result.output == Town(town="Lyon", mayor=Mayor(name="Grégory Doucet"))


def test_a_typed_answer_is_validated_as_written_latex_rewriting_is_for_text_answers() -> None:
    written = '{"name": "A \\\\times B", "population": 2}'  # JSON for the name A \times B
    agent, _ = typed([written])
    result = agent.run("A city with a backslash in its name?")
    assert result.stop_reason is StopReason.ANSWER
    assert result.output == City(name="A \\times B", population=2)
    assert result.answer == written


class Product(BaseModel):
    expression: str
    product: int


def test_after_the_by_hand_nudge_a_typed_answer_is_checked_not_replaced_by_the_worked_text() -> None:
    from ponder.tools.builtin.calculator import calculator

    answer = '{"expression": "1234 * 5678", "product": 7006652}'
    backend = ScriptedBackend(["1234 * 5678 = 7006552", answer])  # worked wrongly by hand
    result = Agent(backend, tools=[calculator], output_type=Product).run("What is 1234 * 5678?")
    assert backend.requests[1].require_call is True  # the nudge asked for the call
    assert result.stop_reason is StopReason.ANSWER and result.answer == answer
    assert result.output == Product(expression="1234 * 5678", product=7006652)
    assert result.usage.model_calls == 2
