"""Token counting never needs tiktoken's download (there is no network at run time)."""

from __future__ import annotations

import subprocess
import sys


def test_sessions_count_tokens_without_tiktoken() -> None:
    code = """
import sys
sys.modules['tiktoken'] = None  # any import of tiktoken now fails
from ponder.agents.agent import Agent
from ponder.backends.scripted import ScriptedBackend
agent = Agent(ScriptedBackend(['one', 'two']), memory_tokens=600)
agent.chat('hello ' * 50)
print(agent.chat('again').answer)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "two"


def test_session_memory_trims_the_oldest_turns_to_its_token_budget() -> None:
    from ponder.agents.agent import Agent
    from ponder.backends.scripted import ScriptedBackend

    backend = ScriptedBackend([f"answer {i}" for i in range(6)])
    agent = Agent(backend, memory_tokens=512)
    for i in range(5):
        agent.chat(f"question {i} " + "padding " * 100)
    sent = [str(m.content) for m in backend.requests[-1].messages]
    assert not any(s.startswith("question 0") for s in sent)
    assert sent[-1].startswith("question 4")
