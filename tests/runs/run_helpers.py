"""Run records made by the real loop on a scripted model."""

from __future__ import annotations

from pathlib import Path

from ponder.agents.agent import Agent
from ponder.backends.scripted import ScriptedBackend
from ponder.runs import RunRecorder
from ponder.runs.format import Redactor
from ponder.tools.builtin.calculator import calculator

FENCED_CALL = 'Let me compute.\n```json\n{"name": "calculator", "arguments": {"expression": "17*23"}}\n```'


def record_run(directory: Path, task: str = "What is 17*23?", *, replies: list[str] | None = None,
               redact: Redactor | None = None) -> Path:
    backend = ScriptedBackend(replies or [FENCED_CALL, "17*23 is 391."])
    recorder = RunRecorder(directory, source="run", redact=redact or (lambda text: text))
    with recorder:
        for event in Agent(backend, tools=[calculator]).stream(task):
            recorder(event)
    assert recorder.path is not None
    return recorder.path
