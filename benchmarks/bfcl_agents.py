"""The three agents of ``bfcl_compare.py`` on one BFCL case: Ponder's ``Agent``, the stock ``ReActAgent`` and ``FunctionAgent``.

Single-turn: the agent gets the case's recording tools and one message. Multi-turn: it gets the
case's live API tools (``ponder.evals.bfcl_multi_turn.LiveApis``) and the user turns one at a
time, in one session (Ponder's ``Agent.chat``; one LlamaIndex memory for the stock agents).
Each runner returns a ``Run``: how the run ended and what the agent itself saw go wrong; the
calls come from the tools, whoever made them. A ``Meter`` counts the model calls and the prompt
tokens the model read.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from ponder.backends.base import Backend, ModelReply, ModelRequest
from ponder.evals.bfcl import BfclCall, BfclCase, OfferedFunction, offered_functions, tools_for
from ponder.evals.bfcl_multi_turn import LiveApis, MultiTurnCase

FUNCTION_SYSTEM_PROMPT = "You are a helpful assistant."
"""chatml-function-calling lists the tools inside the system message: without one the model never sees them."""
def _quiet(message: str) -> None:
    """Progress of a long multi-turn case (``bfcl_compare.py`` prints it to stderr)."""


progress: Callable[[str], None] = _quiet
REFUSED_KINDS = {"parse": "format", "unknown_tool": "wrong_tool", "bad_arguments": "wrong_arguments"}
"""Ponder's error kinds for a call that never reached a tool, as failure kinds."""


@dataclass
class Run:
    """How one agent's run on one case went, before grading."""

    end: str = "answer"
    """answer | max_steps | loop | timeout | crash"""
    answer: str | None = None
    error: str = ""
    attempts: dict[str, str] = field(default_factory=dict)
    """Calls that never reached a tool: {format | wrong_tool | wrong_arguments: what happened (the first)}."""
    requested: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    """(step, tool name, arguments) of every call the agent asked for, to date the calls that ran."""
    turns_run: int = 0
    """Multi-turn: the user turns that ran to their end."""
    format_turns: list[int] = field(default_factory=list)
    """Multi-turn: turns in which the agent could not read a call the model wrote."""

    def attempted(self, kind: str, detail: str) -> None:
        self.attempts.setdefault(kind, detail)


# -- cost -------------------------------------------------------------------------------------------
@dataclass
class Meter:
    """Model calls and prompt tokens of the current case; ``tokens_read`` counts only what the model evaluated."""

    model_calls: int = 0
    prompt_tokens: int = 0
    tokens_read: int = 0

    def reset(self) -> None:
        self.model_calls = self.prompt_tokens = self.tokens_read = 0


def metered(backend: Backend, meter: Meter) -> None:
    """Count every request through ``backend.stream`` (Ponder's loop, and ``ReActAgent`` on ``local:``, whose LLM streams through it)."""
    original = backend.stream

    def stream(request: ModelRequest) -> Iterator[str | ModelReply]:
        meter.model_calls += 1
        for item in original(request):
            if isinstance(item, ModelReply) and item.usage is not None:
                meter.prompt_tokens += item.usage.prompt_tokens
                evaluated = item.usage.prompt_tokens_evaluated
                meter.tokens_read += item.usage.prompt_tokens if evaluated is None else evaluated
            yield item

    backend.stream = stream  # type: ignore[method-assign]


PROMPT_EVAL = re.compile(r"prompt eval time =\s*[\d.]+ ms /\s*(\d+) tokens")
REQUEST = re.compile(r'"POST /v1/chat/completions')


class ServerMeter:
    """The tokens llama.cpp's server read, from its log (it prints ``prompt eval time = … / N tokens`` per completion)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self._seen_evals = 0
        self._seen_requests = 0

    def take(self, meter: Meter) -> None:
        """Add what the server read since the last call to ``meter``."""
        log = self.server.log_tail(lines=10**7)
        evals = [int(n) for n in PROMPT_EVAL.findall(log)]
        requests = len(REQUEST.findall(log))
        meter.tokens_read += sum(evals[self._seen_evals :])
        meter.model_calls += requests - self._seen_requests
        self._seen_evals, self._seen_requests = len(evals), requests


# -- single-turn -------------------------------------------------------------------------------------
def run_ponder(
    case: BfclCase, backend: Backend, *, max_steps: int, timeout: float
) -> tuple[Run, list[BfclCall]]:
    tools, recorder = tools_for(case)
    agent = _ponder_agent(backend, tools, max_steps, timeout)
    run = Run()
    _ponder_turn(run, lambda: agent.run(case.prompt))
    return run, dated(recorder.calls, run.requested, offered_functions(case))


def run_stock(
    kind: str, case: BfclCase, backend: Backend, *, max_steps: int, timeout: float
) -> tuple[Run, list[BfclCall]]:
    tools, recorder = tools_for(case)
    llama_tools = [t.llama_tool for t in tools]

    async def go() -> Run:
        run = Run()
        agent = _stock_agent(kind, llama_tools, backend, timeout)
        await _stock_turn(run, agent, case.prompt, max_steps, None, {t.name for t in tools})
        return run

    run = asyncio.run(go())
    _calls_left_in_text(run, [t.name for t in tools], bool(recorder.calls))
    return run, dated(recorder.calls, run.requested, offered_functions(case))


def dated(
    calls: Sequence[BfclCall], requested: Sequence[tuple[int, str, dict[str, Any]]], offered: Sequence[OfferedFunction]
) -> list[BfclCall]:
    """The recorded calls, each with the step that asked for it (matched on tool and arguments, else on tool)."""
    by_name = {o.name: o for o in offered}
    asked = [(step, by_name[name].to_bfcl(args)) for step, name, args in requested if name in by_name]
    used: set[int] = set()
    out = []
    for number, call in enumerate(calls):
        match = next((i for i, (_, a) in enumerate(asked) if i not in used and a == call), None)
        if match is None:
            match = next((i for i, (_, a) in enumerate(asked) if i not in used and a.name == call.name), None)
        if match is None:
            out.append(replace(call, step=len(requested) + number))
        else:
            used.add(match)
            out.append(replace(call, step=asked[match][0]))
    return out


# -- multi-turn -----------------------------------------------------------------------------------
def run_ponder_turns(case: MultiTurnCase, backend: Backend, *, max_steps: int, timeout: float) -> tuple[Run, LiveApis]:
    apis = LiveApis(case)
    deadline = time.monotonic() + timeout
    agent = _ponder_agent(backend, apis.tools, max_steps, timeout)
    run = Run()
    for turn in range(len(case.turns)):
        left = deadline - time.monotonic()
        if left <= 0:
            run.end, run.error = "timeout", f"{timeout:g}s ran out before turn {turn}"
            break
        agent.limits = agent.limits.updated(run_timeout=left)
        apis.start_turn()
        turn_run = Run()
        _ponder_turn(turn_run, partial(agent.chat, case.turn_prompt(turn)))
        _merge_turn(run, turn_run, turn, apis)
        _report(case, "ponder", turn, turn_run, apis, deadline - left)
        if turn_run.end in ("timeout", "crash"):
            break
        run.turns_run += 1
    return run, apis


def run_stock_turns(
    kind: str, case: MultiTurnCase, backend: Backend, *, max_steps: int, timeout: float
) -> tuple[Run, LiveApis]:
    apis = LiveApis(case)
    llama_tools = [t.llama_tool for t in apis.tools]
    names = {t.name for t in apis.tools}

    async def go() -> Run:
        from llama_index.core.memory import ChatMemoryBuffer

        run = Run()
        deadline = time.monotonic() + timeout
        agent = _stock_agent(kind, llama_tools, backend, timeout)
        # The session: the agent's own default memory, handed to every run. (A shared ``Context``
        # would not do: llama-index-workflows 2.26 serialises it between runs and the memory's
        # messages are lost on the way.)
        memory = ChatMemoryBuffer.from_defaults(llm=backend.llm)
        for turn in range(len(case.turns)):
            left = deadline - time.monotonic()
            if left <= 0:
                run.end, run.error = "timeout", f"{timeout:g}s ran out before turn {turn}"
                break
            apis.start_turn()
            turn_run = Run()
            await _stock_turn(turn_run, agent, case.turn_prompt(turn), max_steps, memory, names, left=left)
            _calls_left_in_text(turn_run, sorted(names), bool(apis.turns[-1]))
            _merge_turn(run, turn_run, turn, apis)
            _report(case, kind, turn, turn_run, apis, deadline - left)
            if turn_run.end in ("timeout", "crash"):
                break
            run.turns_run += 1
        return run

    return asyncio.run(go()), apis


def _report(case: MultiTurnCase, agent: str, turn: int, turn_run: Run, apis: LiveApis, started: float) -> None:
    calls = ", ".join(c.name for c in apis.turns[-1]) or "no call"
    progress(
        f"  {case.id} {agent}: turn {turn + 1}/{len(case.turns)} ended ({turn_run.end}) after "
        f"{time.monotonic() - started:.0f}s: {calls}"
    )


def _merge_turn(run: Run, turn_run: Run, turn: int, apis: LiveApis) -> None:
    run.end, run.error, run.answer = turn_run.end, turn_run.error or run.error, turn_run.answer
    for kind, detail in turn_run.attempts.items():
        run.attempted(kind, f"turn {turn}: {detail}")
    if "format" in turn_run.attempts and not apis.turns[-1]:
        run.format_turns.append(turn)


# -- the agents ------------------------------------------------------------------------------------
def _ponder_agent(backend: Backend, tools: Sequence[Any], max_steps: int, timeout: float) -> Any:
    from ponder.agents.agent import Agent
    from ponder.agents.limits import Limits

    return Agent(backend, tools=tools, limits=Limits(max_steps=max_steps, run_timeout=timeout))


def _ponder_turn(run: Run, go: Callable[[], Any]) -> None:
    """One Ponder run (or chat turn) into ``run``: how it ended, the calls it asked for, what it refused."""
    from ponder.agents.result import StopReason

    try:
        result = go()
    except Exception as exc:  # a backend failure arrives as PonderError with the partial result
        run.end, run.error = "crash", f"{type(exc).__name__}: {exc}"
        result = getattr(exc, "result", None)
    if result is None:
        return
    if run.end != "crash":
        run.end = {
            StopReason.ANSWER: "answer",
            StopReason.TIMEOUT: "timeout",
            StopReason.MAX_STEPS: "max_steps",
            StopReason.LOOP: "loop",
        }.get(result.stop_reason, "crash")
        run.error = result.error or ("the time limit was reached" if run.end == "timeout" else "")
    run.answer = result.answer
    for record in result.trajectory:
        run.requested.append((record.step, record.name, dict(record.arguments)))
        if record.error_kind in REFUSED_KINDS:
            run.attempted(
                REFUSED_KINDS[record.error_kind], f"{record.name or '(unreadable call)'}: {record.output[:200]}"
            )


def _stock_agent(kind: str, tools: Sequence[Any], backend: Backend, timeout: float) -> Any:
    from llama_index.core.agent.workflow import FunctionAgent, ReActAgent

    if kind == "react":
        return ReActAgent(tools=list(tools), llm=backend.llm, timeout=timeout)
    # llama.cpp's chatml-function-calling cannot stream a tool call (it ends the stream empty)
    return FunctionAgent(
        tools=list(tools), llm=backend.llm, timeout=timeout, system_prompt=FUNCTION_SYSTEM_PROMPT, streaming=False
    )


async def _stock_turn(
    run: Run, agent: Any, message: str, max_steps: int, memory: Any, names: set[str], *, left: float | None = None
) -> None:
    """One stock agent run (with ``memory``, the session, when given) into ``run``."""
    from llama_index.core.agent.workflow.workflow_events import AgentOutput, ToolCallResult
    from workflows.errors import WorkflowRuntimeError, WorkflowTimeoutError

    step = 0
    try:
        handler = agent.run(user_msg=message, max_iterations=max_steps, memory=memory)

        async def drain() -> None:
            nonlocal step
            async for event in handler.stream_events():
                if isinstance(event, AgentOutput):
                    step += 1
                    for call in event.tool_calls:
                        run.requested.append((step, call.tool_name, dict(call.tool_kwargs)))
                    if event.retry_messages:
                        run.attempted("format", f"unreadable reply: {str(event.response.content)[:200]}")
                elif isinstance(event, ToolCallResult) and event.tool_output.is_error:
                    kind = "wrong_tool" if event.tool_name not in names else "wrong_arguments"
                    run.attempted(kind, f"{event.tool_name}: {str(event.tool_output.content)[:200]}")
            run.answer = str(await handler)

        if left is None:
            await drain()
        else:
            await asyncio.wait_for(drain(), timeout=left)
    except (WorkflowTimeoutError, TimeoutError) as exc:
        run.end, run.error = "timeout", str(exc) or "the time ran out"
    except WorkflowRuntimeError as exc:
        run.end, run.error = ("max_steps" if "Max iterations" in str(exc) else "crash"), str(exc)
    except Exception as exc:  # the stock agent raised: a crash, classified, never fatal to the benchmark
        run.end, run.error = "crash", f"{type(exc).__name__}: {exc}"


def _calls_left_in_text(run: Run, tool_names: Sequence[str], any_call: bool) -> None:
    if any_call or not run.answer:
        return
    from ponder.agents.actions import extract_actions

    written = extract_actions(run.answer, list(tool_names)).calls
    if written:  # a call written as text that the agent took for its answer
        run.attempted("format", f"the answer holds a call the agent did not act on: {written[0].name}")
