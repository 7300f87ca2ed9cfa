"""Suites for the executor tests: 'What is A * B + C?' cases that a scripted model answers in 3 steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ponder.evals.records import CaseRecord
from ponder.evals.suite import Suite
from tests.evals.eval_helpers import suite_from

VOLATILE = {"seconds", "finished_at", "mean_seconds"}


def model_spec(delay: float = 0.0) -> str:
    return f"scripted:ponder.testing.responders:multiply_add?delay={delay:g}"


def suite_yaml(cases: int, *, delay: float = 0.0, wrong: tuple[int, ...] = (), repeat: int = 1) -> str:
    lines = [f"name: multiply-add\nmodel: '{model_spec(delay)}'\ntools: [calculator]\nrepeat: {repeat}\ncases:"]
    for i in range(cases):
        a, b, c = i + 2, i + 3, i
        expected = a * b + c + (1 if i in wrong else 0)
        lines.append(f"  - {{id: case{i:02d}, input: 'What is {a} * {b} + {c}?', expected: {expected}, graders: [numeric]}}")
    return "\n".join(lines) + "\n"


def multiply_add_suite(cases: int, **kwargs: Any) -> Suite:
    return suite_from(suite_yaml(cases, **kwargs))


def comparable(records: list[CaseRecord]) -> list[dict[str, Any]]:
    """Records without what differs between two runs of the same jobs (timings)."""
    return [_strip(r.model_dump(mode="json")) for r in records]


def comparable_values(values: list[Any]) -> list[Any]:
    return [_strip(v) for v in values]


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def case_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}") and '"type": "case"' in line]
