"""Warm the embedded model while the user types: load its weights, then read the conversation's
prefix (system prompt, tools, history) into its KV cache, so the first question only pays for
its own tokens.

Only for ``local:`` models: for a remote backend a warm-up would be a billed request, and
there is no cache of ours to fill. The warm-up asks for one token; if the first question
arrives meanwhile it waits for the model's lock, and then reuses all the work done.
``PONDER_NO_WARMUP=1`` turns it off (the model then loads at the first question).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ponder.agents.agent import Agent


def start(agent: Agent, *, knowledge_mode: bool = False) -> threading.Thread | None:
    """Begin warming ``agent``'s model in a daemon thread; None when there is nothing to warm."""
    backend = agent.backend
    if backend.provider != "local" or os.environ.get("PONDER_NO_WARMUP"):
        return None
    thread = threading.Thread(target=_warm, args=(agent, knowledge_mode), name="ponder-warm-up", daemon=True)
    thread.start()
    return thread


def _warm(agent: Agent, knowledge_mode: bool) -> None:
    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    from ponder.agents.protocol import Protocol, system_message
    from ponder.backends.base import ModelRequest

    backend = agent.backend
    with contextlib.suppress(Exception):  # a failure here shows again, with its fix, on the first turn
        load = getattr(backend, "load", None)
        if callable(load):
            load()
        if knowledge_mode:
            return  # the knowledge chat's prompt depends on the question's passages
        tools = list(agent.tools.values())
        system = system_message(agent.system_prompt, tools, agent.protocol, agent.prompts_dir)
        request = ModelRequest(
            messages=[system, *agent.history, ChatMessage(role=MessageRole.USER, content="")],
            tools=tools if agent.protocol is Protocol.NATIVE else [],
            max_tokens=1,
        )
        for _ in backend.stream(request):
            pass


def wait(thread: threading.Thread | None) -> None:
    """Wait for a warm-up to end (before closing its backend); Ctrl-C still works."""
    while thread is not None and thread.is_alive():
        thread.join(0.1)


def leave_if_running(code: int, *threads: threading.Thread | None) -> None:
    """End the process now if a warm-up (or the build that starts one) still runs.

    The warm-up may be inside a llama.cpp call that cannot be interrupted; finalizing the
    interpreter under it frees the model it is using and crashes. Everything worth keeping is
    written by then (the session after each turn, the input history at each entry).
    """
    if any(t is not None and t.is_alive() for t in threads):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
