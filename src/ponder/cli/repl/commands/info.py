"""Commands that look back: what the session cost, and everything the last turn did."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ponder.cli.render import plural
from ponder.cli.repl.commands.base import Exit, command

if TYPE_CHECKING:
    from ponder.agents.result import RunResult
    from ponder.cli.repl.state import ChatState


@command("usage", "/usage", "tokens, model calls, time and cost of this session, and of the last turn")
def usage(state: ChatState, arg: str) -> Exit | None:
    state.out.line(f"session {state.session.name} · model {state.model_name()}")
    for line in state.usage.lines():
        state.out.line(f"  {line}")
    agent = state.handle.agent
    last = agent.last_result if agent is not None else None
    if last is not None:
        u = last.usage
        state.out.line(
            f"  last turn    {u.prompt_tokens}+{u.completion_tokens} tokens, {u.model_calls} model calls, {last.seconds:.1f}s"
        )
    return None


@command("trace", "/trace", "the last turn in full: every step's text, tool call, argument and result")
def trace(state: ChatState, arg: str) -> Exit | None:
    agent = state.handle.agent
    result = agent.last_result if agent is not None else None
    if result is None:
        state.out.note("no turn has finished yet")
        return None
    for line in trace_lines(result):
        state.out.line(line)
    return None


def trace_lines(result: RunResult) -> list[str]:
    """The trajectory as plain lines, step by step (text first, then that step's tool calls)."""
    u = result.usage
    lines = [
        f"task: {result.task}",
        f"model {result.model} · protocol {result.protocol} · stopped: {result.stop_reason.value} · "
        f"{plural(result.steps, 'step')} · {u.prompt_tokens}+{u.completion_tokens} tokens · {result.seconds:.2f}s",
    ]
    if result.error:
        lines.append(f"error: {result.error}")
    steps = sorted({r.step for r in result.step_records} | {c.step for c in result.trajectory})
    for step in steps:
        for record in (r for r in result.step_records if r.step == step):
            evaluated = (
                f", {record.prompt_tokens_evaluated} evaluated"
                if record.prompt_tokens_evaluated is not None
                else ""
            )
            lines.append(
                f"── step {step} · {record.prompt_tokens} prompt tokens{evaluated} · "
                f"{record.completion_tokens} completion · {record.seconds:.2f}s"
            )
            lines.extend(f"  │ {text_line}" for text_line in (record.text or "(no text)").splitlines())
        for call in (c for c in result.trajectory if c.step == step):
            status = "ok" if call.ok else f"failed: {call.error_kind}"
            args = json.dumps(call.arguments, ensure_ascii=False)
            lines.append(f"  → {call.name or '(unreadable call)'} {args} · {status} · {call.seconds:.2f}s")
            lines.extend(f"    {out_line}" for out_line in call.output.splitlines() or [""])
            if call.inner is not None:  # an agent used as a tool: its own run, nested
                lines.extend(f"    ┊ {inner_line}" for inner_line in trace_lines(call.inner))
    lines.append(f"answer: {result.answer if result.answer is not None else '(none)'}")
    return lines
