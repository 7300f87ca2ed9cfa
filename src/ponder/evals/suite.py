"""A suite in memory: what the runner needs, however the suite was made (YAML file or code).

A case's tools may be built in code (a benchmark loader gives each case its own functions)
or left ``None`` to use the suite's. ``digest`` fingerprints everything that shapes the
results, so a resumed run or a comparison can tell when the suite changed underneath.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.agents.limits import Limits

if TYPE_CHECKING:
    from ponder.backends.base import Backend
    from ponder.evals.grading import Grader
    from ponder.tools.base import Tool


@dataclass(kw_only=True)
class Case:
    id: str
    input: str
    expected: Any = None
    tags: tuple[str, ...] = ()
    graders: list[Grader] = field(default_factory=list)
    tools: list[Tool] | None = None
    """This case's own tools; ``None`` means the suite's."""
    system_prompt: str | None = None
    skip: str | None = None
    """A reason to record the case as skipped instead of running it."""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class Suite:
    name: str
    cases: list[Case]
    model: str | Backend | None = None
    """A model spec, or a backend built in code; ``--model`` overrides either."""
    judge_model: str | None = None
    tools: list[Tool] = field(default_factory=list)
    system_prompt: str | None = None
    protocol: str | None = None
    limits: Limits = field(default_factory=Limits)
    knowledge: str | None = None
    temperature: float = 0.0
    seed: int | None = None
    repeat: int = 1
    source: str = "<code>"
    """Where the suite came from: a file path or ``prefix:name``."""
    base_dir: Path | None = None

    @property
    def digest(self) -> str:
        return suite_digest(self)


def suite_digest(suite: Suite) -> str:
    """SHA-256 over a canonical description of everything that shapes the suite's results."""
    model = suite.model if isinstance(suite.model, str | None) else suite.model.name

    def tools(items: list[Tool] | None) -> list[dict[str, Any]] | None:
        return None if items is None else [t.openai_schema() for t in items]

    payload = {
        "name": suite.name,
        "model": model,
        "judge_model": suite.judge_model,
        "tools": tools(suite.tools),
        "system_prompt": suite.system_prompt,
        "protocol": suite.protocol,
        "limits": asdict(suite.limits),
        "knowledge": suite.knowledge,
        "temperature": suite.temperature,
        "seed": suite.seed,
        "cases": [
            {
                "id": c.id,
                "input": c.input,
                "expected": c.expected,
                "tags": list(c.tags),
                "graders": [{g.kind: g.model_dump(mode="json")} for g in c.graders],
                "tools": tools(c.tools),
                "system_prompt": c.system_prompt,
                "skip": c.skip,
            }
            for c in suite.cases
        ],
    }
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
