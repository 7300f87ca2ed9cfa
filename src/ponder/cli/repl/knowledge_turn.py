"""One turn of the knowledge chat mode (``ponder chat --knowledge NAME``).

A LlamaIndex chat engine (condense the question, retrieve passages, answer from them) instead
of the agent loop: the answer streams like an agent's, then its sources are listed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ponder.agents import events as ev
from ponder.cli.repl.view import TurnView
from ponder.errors import PonderError
from ponder.sessions import Turn

if TYPE_CHECKING:
    from ponder.cli.repl.state import ChatState


def run_knowledge_turn(state: ChatState, task: str) -> Turn:
    chat = state.kchat
    assert chat is not None, "the knowledge mode is built with the agent"
    view = TurnView(state.out, show_steps=False)
    view(ev.StepStarted(step=1))
    started = time.perf_counter()
    answer: str | None = None
    stop = "error"
    try:
        stream = chat.stream(task)
        for delta in stream:
            view(ev.TextDelta(step=1, text=delta))
        answer = stream.answer.strip()
        view(ev.Answer(text=answer))
        stop = "answer"
        if stream.sources:
            state.out.note("sources: " + ", ".join(p.citation for p in stream.sources))
    except KeyboardInterrupt:
        view.cancelled(kept=False)
        stop = "cancelled"
    except PonderError as exc:
        view.close()
        state.out.error(exc.message, exc.fix)
    finally:
        view.close()
    state.usage.add_turn(time.perf_counter() - started)
    turn = Turn(task=task, answer=answer, stop_reason=stop)
    state.record(turn, None)
    return turn
