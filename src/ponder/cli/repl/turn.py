"""One chat turn: send the message, show the events, record what came of it.

Nothing that goes wrong here ends the session: Ctrl-C cancels the turn (the agent keeps the
question in its history), a backend failure or a ``PonderError`` prints one line with its fix,
and even a bug in Ponder prints one line (with ``PONDER_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import os
import traceback
from typing import TYPE_CHECKING

from ponder.agents import events as ev
from ponder.cli.repl.approval import InlineApprover
from ponder.cli.repl.view import TurnView
from ponder.errors import PonderError
from ponder.sessions import Turn

if TYPE_CHECKING:
    from ponder.agents.result import RunResult
    from ponder.cli.repl.state import ChatState


def wait_for_agent(state: ChatState) -> bool:
    """The agent, built; False (with the error and its fix printed) when it cannot be built."""
    if state.handle.status == "loading" and state.interactive:
        with state.out.info.status(f"loading {state.model_name()}…", spinner="dots"):
            return _get(state)
    return _get(state)


def _get(state: ChatState) -> bool:
    try:
        state.agent()
    except PonderError as exc:
        state.out.error(exc.message, exc.fix or "switch with /model PROVIDER:MODEL")
        return False
    except Exception as exc:
        report_bug(state, exc, "building the agent")
        return False
    finally:
        state.flush_notices()
    return True


def run_turn(state: ChatState, task: str) -> Turn:
    """Ask the agent ``task`` and show its answer; the returned turn says how it went."""
    if not wait_for_agent(state):
        return Turn(task=task, answer=None, stop_reason="error")
    if state.kchat is not None:
        from ponder.cli.repl.knowledge_turn import run_knowledge_turn

        return run_knowledge_turn(state, task)
    agent = state.agent()
    view = TurnView(state.out, show_steps=state.show_steps)
    if isinstance(state.approver, InlineApprover):
        state.approver.before_ask = view.pause
    result: RunResult | None = None
    stop = "error"
    events = agent.chat_stream(task)
    close = getattr(events, "close", lambda: None)  # a generator: closing it runs chat_stream's cleanup
    try:
        for event in events:
            view(event)
            if isinstance(event, ev.RunFinished):
                result = event.result
                stop = result.stop_reason.value
    except KeyboardInterrupt:
        close()  # the turn's messages stay in the history
        view.cancelled()
        stop = "cancelled"
    except PonderError as exc:
        view.close()
        state.out.error(exc.message, exc.fix)
    except Exception as exc:
        view.close()
        report_bug(state, exc, "this turn")
    finally:
        close()
        view.close()
    turn = Turn(
        task=task,
        answer=result.answer if result is not None else None,
        stop_reason=stop,
        tools_called=[c.name for c in result.trajectory] if result is not None else [],
    )
    state.record(turn, result)
    return turn


def report_bug(state: ChatState, exc: BaseException, during: str) -> None:
    """An unexpected exception: one line, and the traceback only when asked for."""
    if os.environ.get("PONDER_DEBUG"):
        state.out.line("".join(traceback.format_exception(exc)))
    state.out.error(
        f"unexpected {type(exc).__name__} during {during}: {exc}",
        "this is a bug in Ponder; rerun with PONDER_DEBUG=1 to see the traceback and report it",
    )
