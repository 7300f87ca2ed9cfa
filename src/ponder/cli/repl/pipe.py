"""``echo "question" | ponder chat``: no terminal, no prompt_toolkit.

Each non-empty line of stdin is one message of the same conversation (so a script can hold a
short chat: ``printf 'my name is Ada\nwhat is my name?\n' | ponder chat``); lines starting with
'/' are slash commands. Answers go to stdout, one after another; steps (``--steps``), notes and
errors go to stderr. A failed turn is reported and the next line still runs. Exit code 0 when
every message got an answer, 1 otherwise, 130 on Ctrl-C. For one multi-line message use
``ponder run -`` instead.

The session is saved only when asked (``/save NAME``) or when continuing one (``--resume``),
so scripts do not fill the data dir.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from ponder.cli.repl import warmup
from ponder.cli.repl.line import handle_line
from ponder.cli.repl.output import Output
from ponder.cli.repl.state import ChatState
from ponder.sessions import SessionFile


def run_pipe(args: argparse.Namespace, session: SessionFile | None, lines: Iterable[str]) -> int:
    state = ChatState(args, out=Output(interactive=False), session=session)
    state.autosave_enabled = session is not None
    state.handle.start()
    unanswered = 0
    for raw in lines:
        keep_going, turn = handle_line(state, raw)
        if not keep_going:
            break
        if turn is not None and turn.stop_reason == "cancelled":
            return 130
        if turn is not None and turn.answer is None:
            unanswered += 1
    agent = state.handle.agent
    code = 0 if unanswered == 0 else 1
    warmup.leave_if_running(code, state.warming, state.handle.thread)
    if agent is not None:
        agent.backend.close()
    return code
