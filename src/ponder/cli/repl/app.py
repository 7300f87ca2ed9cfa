"""The interactive loop: prompt, run the line, repeat, until Ctrl-D or /exit.

The prompt shows before anything heavy is imported; the agent is built in the background
once the prompt has been drawn, so typing the first question overlaps with loading.
"""

from __future__ import annotations

import argparse

from ponder.cli.repl import warmup
from ponder.cli.repl.early import EarlyPrompt
from ponder.cli.repl.line import handle_line
from ponder.cli.repl.output import Output
from ponder.cli.repl.prompt import PROMPT, build_prompt
from ponder.cli.repl.state import ChatState
from ponder.sessions import SessionFile


def run_repl(args: argparse.Namespace, session: SessionFile | None, painted: EarlyPrompt | None = None) -> int:
    """``painted``: the prompt painted before prompt_toolkit loaded; its terminal settings are given
    back once the first prompt is read (until then keys typed early are not echoed)."""
    out = Output(interactive=True)
    state = ChatState(args, out=out, session=session, on_ready=lambda: prompt.app.invalidate())
    prompt = build_prompt(state)
    prompt.app.after_render += lambda _app: state.handle.start()  # once the prompt is on screen
    if painted is not None:
        painted.hand_over()
    while True:
        try:
            text = prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt clears the line
        except EOFError:
            break
        finally:
            if painted is not None:
                painted.restore()
        keep_going, _ = handle_line(state, text)
        if not keep_going:
            break
    _farewell(state)
    warmup.leave_if_running(0, state.warming, state.handle.thread)
    return 0


def _farewell(state: ChatState) -> None:
    agent = state.handle.agent
    if state.session.turns:
        state.autosave()
        print(f"session saved as {state.session.name}; `ponder chat --resume` continues it", flush=True)
    if agent is not None and not (state.warming and state.warming.is_alive()):
        agent.backend.close()
