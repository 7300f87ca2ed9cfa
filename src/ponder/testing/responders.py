"""Deterministic scripted models, named by ``scripted:`` specs so any process can build them.

``scripted:ponder.testing.responders:multiply_add?delay=0.2`` is a ``ScriptedBackend`` whose
replies come from ``multiply_add(delay=0.2)``: a model spec that a Ray actor on another node
rebuilds exactly (a script file's queue would not: its order depends on which case asks
first). For tests and benchmarks of the plumbing, never a demo of the product.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.backends.scripted import Reply, Responder, Scripted

_TASK = re.compile(r"(-?\d+)\s*\*\s*(-?\d+)\s*\+\s*(-?\d+)")


def multiply_add(delay: float = 0.0) -> Responder:
    """'What is A * B + C?' -> calculator(A * B), calculator(<product> + C), 'The answer is <sum>.'

    Three model calls a case, each after ``delay`` seconds; any other task is echoed.
    """

    def reply(messages: Sequence[ChatMessage]) -> Reply:
        if delay:
            time.sleep(delay)
        task = next((str(m.content) for m in messages if m.role == MessageRole.USER), "")
        results = [str(m.content) for m in messages if m.role == MessageRole.TOOL]
        match = _TASK.search(task)
        if match is None:
            return f"You said: {task}"
        a, b, c = match.groups()
        if not results:
            return Scripted(tool_calls=[("calculator", {"expression": f"{a} * {b}"})])
        if len(results) == 1:
            return Scripted(tool_calls=[("calculator", {"expression": f"{results[0]} + {c}"})])
        return f"The answer is {results[-1]}."

    return reply
