"""The run record's format: a header line, then one JSON line per event, the last ``RunFinished``.

```
{"type": "RunHeader", "format": 1, "run_id": ..., "started": ..., "model": ..., "spec_fingerprint": ...,
 "task": ..., "source": "run|chat|eval|serve"}
{"type": "RunStarted", "t": 0.0, ...}           # Event.to_dict(), plus "t": seconds since the run began
{"type": "TextDelta", "t": 0.01, "step": 1, "text": "..."}   # a step's streamed text, in one line
...
{"type": "RunFinished", "t": 4.2, "stop_reason": "answer", "result": {...RunResult...}}
```

Readers take what they know and ignore the rest: a line of an unknown type or with extra
fields is kept as a plain dict and skipped by the typed view.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

from ponder.agents import events as ev

FORMAT = 1
Source = Literal["run", "chat", "eval", "serve"]
Redactor = Callable[[str], str]
"""Takes a text, returns it with any secret in it masked (``ponder.redact`` provides one)."""


class RunHeader(BaseModel):
    type: Literal["RunHeader"] = "RunHeader"
    format: int = FORMAT
    run_id: str
    started: str
    """ISO 8601, local time with its offset."""
    model: str = ""
    spec_fingerprint: str | None = None
    task: str = ""
    source: Source | str = "run"


def redacted(value: Any, redact: Redactor) -> Any:
    """``value`` with ``redact`` applied to every string in it (keys of mappings included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v, redact) for v in value]
    return value


def event_line(event: ev.Event, t: float) -> dict[str, Any]:
    """An event as a record line: its type first (readers can tell a line's kind from its start)."""
    data = event.to_dict()
    kind = data.pop("type")
    return {"type": kind, "t": round(t, 4), **data}


def event_from_dict(data: dict[str, Any]) -> ev.Event | None:
    """The typed event a record line holds, or None for a line this version does not know."""
    kind = data.get("type")
    cls = getattr(ev, kind, None) if isinstance(kind, str) else None
    if not (isinstance(cls, type) and issubclass(cls, ev.Event) and dataclasses.is_dataclass(cls)):
        return None
    try:
        if cls is ev.RunFinished:
            from ponder.agents.result import RunResult, StopReason

            result = RunResult.model_validate(data["result"])
            return ev.RunFinished(result=result, stop_reason=StopReason(data.get("stop_reason", result.stop_reason)))
        kwargs = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        if cls is ev.ToolResult and isinstance(kwargs.get("inner"), dict):  # an agent used as a tool: its run
            from ponder.agents.result import RunResult

            kwargs["inner"] = RunResult.model_validate(kwargs["inner"])
        if cls is ev.RunStarted:
            kwargs["tools"] = tuple(kwargs.get("tools", ()))
        return cls(**kwargs)
    except (TypeError, ValueError, KeyError):
        return None


def dumps(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, default=str) + "\n").encode("utf-8")
