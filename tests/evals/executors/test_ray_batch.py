"""`ponder run -f --executor ray`: a batch of tasks on the test cluster writes the file a local run writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.evals.executors.conftest import ROOT
from tests.evals.executors.ray_helpers import comparable_values, model_spec

pytestmark = pytest.mark.timeout(600)

TASKS = """\
- What is 12 * 7 + 5?
- {id: second, task: "What is 3 * 4 + 1?"}
- What is 9 * 9 + 9?
- Say hello.
"""


def run_batch(tmp_path: Path, out: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    command = [sys.executable, "-m", "ponder.cli.main", "run", "-f", "tasks.yaml", "-o", out,
               "--model", model_spec(0.1), "--tools", "calculator", *extra]  # fmt: skip
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_batch_on_ray_actors_writes_the_results_of_a_local_run_in_the_task_order(ray_cluster: Any, tmp_path: Path) -> None:
    (tmp_path / "tasks.yaml").write_text(TASKS)
    local = run_batch(tmp_path, "local.jsonl")
    on_ray = run_batch(tmp_path, "ray.jsonl", "--executor", "ray", "--ray-address", ray_cluster.address, "--ray-actors", "2")
    assert local.returncode == 0 and on_ray.returncode == 0, on_ray.stderr

    ray_lines, local_lines = lines(tmp_path / "ray.jsonl"), lines(tmp_path / "local.jsonl")
    assert [r["id"] for r in ray_lines] == ["1", "second", "3", "4"]
    assert [r["answer"] for r in ray_lines] == ["The answer is 89.", "The answer is 13.", "The answer is 90.", "You said: Say hello."]
    assert comparable_values(ray_lines) == comparable_values(local_lines)
    assert "2 actors on the Ray cluster at 127.0.0.1:" in on_ray.stderr
    assert on_ray.stderr.index("1: ok") < on_ray.stderr.index("second: ok") < on_ray.stderr.index("4: ok")
