"""Real records to export: an eval log from ``ponder eval``, batch results from ``ponder run -f`` and chat
sessions saved by the REPL's own code, all made with Ponder's scripted model (the runs are real; only
the model's replies are scripted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ponder import Agent
from ponder.backends.scripted import Scripted, ScriptedBackend
from ponder.tools.builtin.calculator import calculator

SUITE = """
name: arithmetic
tools: [calculator]
system_prompt: Use the calculator for arithmetic.
cases:
  - id: multiply
    input: What is 6 * 7?
    expected: 42
    graders: [numeric, {tool_called: calculator}]
  - id: add
    input: What is 2 + 3?
    expected: 5
    graders: [numeric]
  - id: long
    input: What is (1 + 2) * 3?
    expected: 9
    graders: [numeric]
"""


def call(name: str, **arguments: object) -> str:
    return f'<tool_call>{{"name": "{name}", "arguments": {json.dumps(arguments)}}}</tool_call>'


@pytest.fixture
def eval_log(tmp_path: Path) -> Path:
    """multiply passes in 2 steps, add fails (a wrong answer, no tool), long passes in 3 steps."""
    from ponder.evals import evaluate
    from ponder.evals.loading import load_suite_file

    suite_file = tmp_path / "arithmetic.yaml"
    suite_file.write_text(SUITE)
    replies = [
        Scripted(text="I will use the calculator.", tool_calls=[("calculator", {"expression": "6 * 7"})]),
        "6 * 7 is 42.",
        "The sum is 6.",  # no worked sum: "2 + 3 is 6" would get the loop's by-hand nudge, not end the run
        Scripted(tool_calls=[("calculator", {"expression": "1 + 2"})]),
        Scripted(tool_calls=[("calculator", {"expression": "3 * 3"})]),
        "(1 + 2) * 3 is 9.",
    ]
    log = tmp_path / "arithmetic.jsonl"
    evaluate(load_suite_file(suite_file), model=ScriptedBackend(replies), cache_dir=None, out=log, concurrency=1)
    return log


@pytest.fixture
def batch_results(tmp_path: Path) -> Path:
    """``ponder run -f`` on the text protocol: the model thinks aloud before its call."""
    from ponder.cli.main import main

    script = tmp_path / "script.json"
    script.write_text(json.dumps([f"I will multiply.\n{call('calculator', expression='12 * 12')}", "12 * 12 is 144.", "Hello!"]))
    tasks = tmp_path / "tasks.yaml"
    tasks.write_text("- What is 12 * 12?\n- Say hello.\n")
    assert main(["run", "-f", str(tasks), "--model", f"scripted:{script}", "--tools", "calculator", "--protocol", "text"]) == 0
    return tasks.with_suffix(".results.jsonl")


def save_session(name: str, backend: ScriptedBackend, questions: list[str]) -> str:
    """A chat session as the REPL saves it, after a real multi-turn chat."""
    from ponder.sessions import SessionFile, Turn, dump_messages, save

    agent = Agent(backend, tools=[calculator])
    turns = []
    for question in questions:
        result = agent.chat(question)
        turns.append(Turn(task=question, answer=result.answer, stop_reason=result.stop_reason.value, tools_called=[c.name for c in result.trajectory]))
    save(SessionFile(name=name, model="scripted", tools=["calculator"], messages=dump_messages(agent.history), turns=turns))
    return f"session:{name}"


@pytest.fixture
def native_session() -> str:
    backend = ScriptedBackend([Scripted(tool_calls=[("calculator", {"expression": "2 ** 10"})]), "It is 1024.", "You asked about 2 ** 10."])
    return save_session("native", backend, ["What is 2 ** 10?", "What did I ask?"])


@pytest.fixture
def text_session() -> str:
    backend = ScriptedBackend([f"Let me compute.\n{call('calculator', expression='9 * 9')}", "It is 81."], native_tool_calls=False)
    return save_session("text", backend, ["What is 9 * 9?"])
