"""Exported sessions are files the other commands read."""

from __future__ import annotations

from pathlib import Path

import yaml

from ponder.cli.repl.export import eval_suite, task_file
from ponder.cli.run import load_tasks
from ponder.sessions import SessionFile, Turn

SESSION = SessionFile(
    name="demo",
    model="local:qwen2.5-coder-1.5b",
    tools=["calculator"],
    turns=[
        Turn(
            task="What is 17*23?",
            answer="391",
            stop_reason="answer",
            tools_called=["calculator", "calculator"],
        ),
        Turn(task="A cancelled one", answer=None, stop_reason="cancelled"),
        Turn(task='Say hi: "quoted"\nsecond line', answer="hi", stop_reason="answer"),
    ],
)


def test_task_file_runs_with_ponder_run_f(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(task_file(SESSION), encoding="utf-8")
    assert load_tasks(path) == [
        {"id": "demo-1", "task": "What is 17*23?"},
        {"id": "demo-2", "task": "A cancelled one"},
        {"id": "demo-3", "task": 'Say hi: "quoted"\nsecond line'},
    ]


def test_eval_cases_expect_the_answers_and_the_tools_used() -> None:
    suite = yaml.safe_load(eval_suite(SESSION))
    assert suite["model"] == "local:qwen2.5-coder-1.5b"
    assert suite["tools"] == ["calculator"]
    first, second = suite["cases"]  # the cancelled turn has no answer to expect
    assert first["input"] == "What is 17*23?"
    assert first["expected"] == "391"
    assert first["graders"] == [{"contains": "391"}, {"tool_called": "calculator"}]
    assert second["id"] == "demo-3"


def test_eval_cases_are_a_valid_suite_for_ponder_eval() -> None:
    from ponder.evals.loading import parse_suite

    suite = parse_suite(eval_suite(SESSION), source="demo.eval.yaml")
    assert [case.id for case in suite.cases] == ["demo-1", "demo-3"]
