"""A run's trajectory as steps on a time axis, read from its record's event lines.

Each line carries ``t`` (seconds since the run began): a step's model call runs from its
``StepStarted`` to its ``UsageEvent``, a tool call from ``ToolCallStarted`` to ``ToolResult``.
A line without ``t`` (another writer) is placed at the time of the line before it; a tool
call then lasts the seconds its result reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    name: str
    arguments: dict[str, Any]
    start: float
    end: float | None = None
    output: str | None = None
    ok: bool | None = None
    error_kind: str | None = None


@dataclass
class Step:
    number: int
    start: float
    model_end: float | None = None
    text: str = ""
    thought: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: list[Call] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)

    @property
    def end(self) -> float:
        ends = [self.model_end or self.start, *(c.end or c.start for c in self.calls)]
        return max(ends)


@dataclass
class Timeline:
    steps: list[Step] = field(default_factory=list)
    answer: str | None = None
    errors: list[str] = field(default_factory=list)
    total: float = 0.0


def build_timeline(lines: list[dict[str, Any]]) -> Timeline:
    tl = Timeline()
    clock = 0.0
    calls: dict[str, Call] = {}
    current: Step | None = None
    for line in lines:
        kind = line.get("type")
        t = line.get("t")
        timed = isinstance(t, int | float)
        now = float(t) if timed else clock  # type: ignore[arg-type]
        clock = max(clock, now)
        if kind == "Answer":
            tl.answer = str(line.get("text", ""))
        elif kind == "ErrorEvent":
            tl.errors.append(f"{line.get('message', '')} (fix: {line.get('fix', '')})")
        elif kind == "StepStarted":
            current = Step(number=int(line.get("step", len(tl.steps) + 1)), start=now)
            tl.steps.append(current)
        elif current is None:
            continue
        elif kind == "TextDelta":
            current.text += str(line.get("text", ""))
        elif kind == "UsageEvent":
            current.model_end = now
            current.prompt_tokens = int(line.get("prompt_tokens") or 0)
            current.completion_tokens = int(line.get("completion_tokens") or 0)
        elif kind == "Thought":
            current.thought = str(line.get("text", ""))
        elif kind == "ToolCallStarted":
            call = Call(name=str(line.get("name", "")), arguments=dict(line.get("arguments") or {}), start=now)
            calls[str(line.get("call_id"))] = call
            current.calls.append(call)
        elif kind == "ToolResult":
            call = calls.get(str(line.get("call_id"))) or Call(name=str(line.get("name", "")), arguments={}, start=now)
            call.end = now if timed else call.start + float(line.get("seconds") or 0.0)
            clock = max(clock, call.end)
            call.output, call.ok, call.error_kind = str(line.get("output", "")), bool(line.get("ok")), line.get("error_kind")
        elif kind == "ModelMistakeEvent":
            current.mistakes.append(str(line.get("observation", "")))
    tl.total = max([clock, *(s.end for s in tl.steps)], default=0.0)
    return tl
