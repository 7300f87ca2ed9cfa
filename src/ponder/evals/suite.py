"""A suite in memory: what the runner needs, however the suite was made (YAML file or code).

The agent under test is an ``AgentSpec`` (``suite.agent``); a suite built in code may also carry
a backend and tools as live objects. A case may name its own tools (``tool_names``, from YAML)
or carry tools built in code (``tools``: a benchmark loader gives each case its own functions);
``None`` means the suite's. ``digest`` fingerprints everything that shapes the results, so a
resumed run or a comparison can tell when the suite changed underneath.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.agents.spec import AgentSpec

if TYPE_CHECKING:
    from ponder.backends.base import Backend
    from ponder.evals.grading import Grader
    from ponder.tools.base import Tool


@dataclass(kw_only=True)
class Case:
    id: str
    input: str
    turns: tuple[str, ...] = ()
    """Further user messages after ``input``: the case is a conversation in one session."""
    expected: Any = None
    tags: tuple[str, ...] = ()
    graders: list[Grader] = field(default_factory=list)
    tools: list[Tool] | None = None
    """This case's own tools, built in code; ``None`` means the suite's."""
    tool_names: list[str] | None = None
    """This case's own tools, by name (a suite file's ``tools:``); ``None`` means the suite's."""
    system_prompt: str | None = None
    output_type: str | dict[str, Any] | None = None
    """This case's answer type (``AgentSpec.output_type``); ``None`` means the agent's."""
    skip: str | None = None
    """A reason to record the case as skipped instead of running it."""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class Suite:
    name: str
    cases: list[Case]
    agent: AgentSpec = field(default_factory=lambda: AgentSpec(tools=[]))
    """The agent under test (model, tools by name, prompt, limits, temperature, base seed...)."""
    backend: Backend | None = None
    """A model built in code; it stands for ``agent.model``, and ``--model`` overrides either."""
    tools: list[Tool] = field(default_factory=list)
    """Tools built in code, given to every case that has none of its own (besides ``agent.tools``)."""
    judge_model: str | None = None
    knowledge: str | None = None
    repeat: int = 1
    source: str = "<code>"
    """Where the suite came from: a file path or ``prefix:name``."""
    base_dir: Path | None = None

    @property
    def digest(self) -> str:
        return suite_digest(self)


def suite_digest(suite: Suite) -> str:
    """SHA-256 over a canonical description of everything that shapes the suite's results."""
    def tools(items: list[Tool] | None) -> list[dict[str, Any]] | None:
        return None if items is None else [t.openai_schema() for t in items]

    payload = {
        "name": suite.name,
        "agent": suite.agent.fingerprint,
        "backend": suite.backend.name if suite.backend is not None else None,
        "judge_model": suite.judge_model,
        "tools": tools(suite.tools),
        "knowledge": suite.knowledge,
        "cases": [
            {
                "id": c.id,
                "input": c.input,
                "turns": list(c.turns),
                "expected": c.expected,
                "tags": list(c.tags),
                "graders": [{g.kind: g.model_dump(mode="json")} for g in c.graders],
                "tools": tools(c.tools),
                "tool_names": c.tool_names,
                "system_prompt": c.system_prompt,
                **({"output_type": c.output_type} if c.output_type is not None else {}),
                "skip": c.skip,
            }
            for c in suite.cases
        ],
    }
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
