"""Ponder's agent against the stock LlamaIndex agents on BFCL: same model, same cases, same limits.

    python benchmarks/bfcl_compare.py --categories simple_python,multiple --limit 50 \\
        --model local:qwen2.5-coder-1.5b --agents ponder,react,function --out bfcl_compare.jsonl

Each case's BFCL functions become tools that record their calls (``ponder.evals.bfcl``); Ponder's
``Agent`` gets them as Ponder tools, the stock ``ReActAgent`` and ``FunctionAgent`` as the same
tools' LlamaIndex ``FunctionTool``s. The recorded calls are graded with BFCL's AST rules, whoever
made them.

Ponder and ``ReActAgent`` run on the one loaded model (``backend.llm`` for ReAct: a plain LLM with
the GGUF's own chat template). ``FunctionAgent`` needs a function-calling LLM, which an in-process
GGUF is not: on ``local:`` the script starts llama.cpp's OpenAI server on the same GGUF with
``--chat_format chatml-function-calling`` on 127.0.0.1 (``ponder.testing.llama_server``, the
tests' helper too), gives ``FunctionAgent`` the ``openai:`` backend's ``OpenAILike`` pointed at it
(which sends ``content: ""`` where LlamaIndex sends ``null``: that server refuses ``null``), and
stops the server at the end. That is how DESIGN.md measured the stock ``FunctionAgent``.

Every case ends in one verdict: ``ok`` or a failure kind. The grade of the recorded calls comes
first (``wrong_function``, ``wrong_arguments``, ``wrong_count``); when no call reached a tool,
the run says why: ``timeout``, ``crash`` (the agent raised), ``parse_error`` (the model wrote a
call the agent could not read), ``wrong_function``/``wrong_arguments`` (the agent refused a call
to an unknown tool or with invalid arguments), else ``no_call``. One line per case goes to the
JSONL file as it finishes; the table at the end gives accuracy and seconds per category and agent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ponder.backends.base import Backend
from ponder.backends.local.tool_listing import TOOL_LISTINGS
from ponder.evals.bfcl import BfclCall, BfclCase, grade, load_cases, tools_for

AGENTS = ("ponder", "react", "function")
FUNCTION_CHAT_FORMAT = "chatml-function-calling"
FUNCTION_SYSTEM_PROMPT = "You are a helpful assistant."
"""chatml-function-calling lists the tools inside the system message: without one the model never sees them."""
FUNCTION_N_CTX = 4096
KINDS = ("no_call", "wrong_function", "wrong_arguments", "wrong_count", "parse_error", "timeout", "crash")


@dataclass
class Run:
    """How one agent's run on one case went, before grading."""

    end: str = "answer"
    """answer | max_steps | loop | timeout | crash"""
    answer: str | None = None
    error: str = ""
    attempts: dict[str, str] = field(default_factory=dict)
    """Calls that never reached a tool: {parse_error | wrong_function | wrong_arguments: what happened (the first)}."""

    def attempted(self, kind: str, detail: str) -> None:
        self.attempts.setdefault(kind, detail)


@dataclass
class Outcome:
    agent: str
    category: str
    case: str
    ok: bool
    kind: str
    detail: str
    seconds: float
    end: str
    calls: list[dict[str, Any]]
    answer: str | None


# -- the three agents -----------------------------------------------------------------------------
def run_ponder(
    case: BfclCase, backend: Backend, *, max_steps: int, timeout: float
) -> tuple[Run, list[BfclCall]]:
    from ponder.agents.agent import Agent
    from ponder.agents.limits import Limits
    from ponder.agents.result import RunResult, StopReason

    tools, recorder = tools_for(case)
    agent = Agent(backend, tools=tools, limits=Limits(max_steps=max_steps, run_timeout=timeout))
    run = Run()
    result: RunResult | None
    try:
        result = agent.run(case.prompt)
    except Exception as exc:  # a backend failure arrives as PonderError with the partial result
        run.end, run.error = "crash", f"{type(exc).__name__}: {exc}"
        result = getattr(exc, "result", None)
    if result is not None:
        if run.end != "crash":
            run.end = {
                StopReason.ANSWER: "answer",
                StopReason.TIMEOUT: "timeout",
                StopReason.MAX_STEPS: "max_steps",
            }.get(result.stop_reason, "loop" if result.stop_reason is StopReason.LOOP else "crash")
            run.error = result.error or ""
        run.answer = result.answer
        kinds = {"parse": "parse_error", "unknown_tool": "wrong_function", "bad_arguments": "wrong_arguments"}
        for record in result.trajectory:
            if record.error_kind in kinds:
                run.attempted(
                    kinds[record.error_kind], f"{record.name or '(unreadable call)'}: {record.output[:200]}"
                )
    return run, list(recorder.calls)


def run_stock(
    kind: str, case: BfclCase, backend: Backend, *, max_steps: int, timeout: float
) -> tuple[Run, list[BfclCall]]:
    tools, recorder = tools_for(case)
    run = asyncio.run(_run_stock(kind, case, [t.llama_tool for t in tools], backend, max_steps, timeout))
    if not recorder.calls and run.answer:
        from ponder.agents.actions import extract_actions

        written = extract_actions(run.answer, [t.name for t in tools]).calls
        if written:  # a call written as text that the agent took for its answer
            run.attempted(
                "parse_error", f"the answer holds a call the agent did not act on: {written[0].name}"
            )
    return run, list(recorder.calls)


async def _run_stock(
    kind: str, case: BfclCase, tools: Sequence[Any], backend: Backend, max_steps: int, timeout: float
) -> Run:
    from llama_index.core.agent.workflow import FunctionAgent, ReActAgent
    from llama_index.core.agent.workflow.workflow_events import AgentOutput, ToolCallResult
    from workflows.errors import WorkflowRuntimeError, WorkflowTimeoutError

    names = {t.metadata.name for t in tools}
    run = Run()
    try:
        agent: ReActAgent | FunctionAgent
        if kind == "react":
            agent = ReActAgent(tools=list(tools), llm=backend.llm, timeout=timeout)
        else:  # llama.cpp's chatml-function-calling cannot stream a tool call (it ends the stream empty)
            agent = FunctionAgent(
                tools=list(tools),
                llm=backend.llm,
                timeout=timeout,
                system_prompt=FUNCTION_SYSTEM_PROMPT,
                streaming=False,
            )
        handler = agent.run(user_msg=case.prompt, max_iterations=max_steps)
        async for event in handler.stream_events():
            if isinstance(event, AgentOutput) and event.retry_messages:
                run.attempted("parse_error", f"unreadable reply: {str(event.response.content)[:200]}")
            elif isinstance(event, ToolCallResult) and event.tool_output.is_error:
                kind = "wrong_function" if event.tool_name not in names else "wrong_arguments"
                run.attempted(kind, f"{event.tool_name}: {str(event.tool_output.content)[:200]}")
        output = await handler
        run.answer = str(output)
    except WorkflowTimeoutError as exc:
        run.end, run.error = "timeout", str(exc)
    except WorkflowRuntimeError as exc:
        run.end, run.error = ("max_steps" if "Max iterations" in str(exc) else "crash"), str(exc)
    except Exception as exc:  # the stock agent raised: a crash, classified, never fatal to the benchmark
        run.end, run.error = "crash", f"{type(exc).__name__}: {exc}"
    return run


# -- verdicts -------------------------------------------------------------------------------------
def classify(
    case: BfclCase, run: Run, calls: list[BfclCall], seconds: float, timeout: float
) -> tuple[bool, str, str]:
    """ok, kind, detail: the grade of what reached the tools, else why nothing did."""
    verdict = grade(calls, case)
    if verdict.ok or verdict.kind != "no_call":
        return verdict.ok, verdict.kind, verdict.detail
    if run.end == "timeout" or seconds > timeout:
        return False, "timeout", run.error or f"{seconds:.1f}s with no call (limit {timeout:g}s)"
    if run.end == "crash":
        return False, "crash", run.error
    for kind in ("wrong_function", "wrong_arguments", "parse_error"):
        if kind in run.attempts:
            return False, kind, f"no call reached a tool; {run.attempts[kind]}"
    return False, "no_call", f"the run ended ({run.end}) without calling a tool"


def run_case(agent: str, case: BfclCase, backend: Backend, *, max_steps: int, timeout: float) -> Outcome:
    started = time.perf_counter()
    try:
        if agent == "ponder":
            run, calls = run_ponder(case, backend, max_steps=max_steps, timeout=timeout)
        else:
            run, calls = run_stock(agent, case, backend, max_steps=max_steps, timeout=timeout)
    except Exception as exc:  # anything the runners did not expect is still one classified case
        run, calls = Run(end="crash", error=f"{type(exc).__name__}: {exc}"), []
    seconds = time.perf_counter() - started
    ok, kind, detail = classify(case, run, calls, seconds, timeout)
    return Outcome(
        agent=agent,
        category=case.category,
        case=case.id,
        ok=ok,
        kind=kind,
        detail=detail,
        seconds=round(seconds, 3),
        end=run.end,
        calls=[asdict(c) for c in calls],
        answer=run.answer,
    )


# -- the report -----------------------------------------------------------------------------------
def table(outcomes: Sequence[Outcome], agents: Sequence[str], categories: Sequence[str]) -> str:
    """A Markdown table: accuracy, seconds per case and failure kinds, per category and agent."""
    head = ["category", "agent", "cases", "accuracy", "median s", "mean s", *KINDS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for category in [*categories, "all"] if len(categories) > 1 else categories:
        for agent in agents:
            rows = [o for o in outcomes if o.agent == agent and category in ("all", o.category)]
            if not rows:
                continue
            seconds = [o.seconds for o in rows]
            passed = sum(o.ok for o in rows)
            cells = [
                category,
                agent,
                str(len(rows)),
                f"{100 * passed / len(rows):.1f}% ({passed})",
                f"{statistics.median(seconds):.2f}",
                f"{statistics.fmean(seconds):.2f}",
                *(str(sum(o.kind == k for o in rows)) for k in KINDS),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def resolve(spec: str) -> Backend:
    """A backend from ``provider:model``; ``scripted:echo`` and ``scripted:<file>`` for checking the plumbing."""
    from ponder.backends import scripted
    from ponder.backends.registry import resolve_backend

    provider, _, model = spec.partition(":")
    if provider == "scripted" and not hasattr(scripted, "create"):
        if model == "echo":
            return scripted.ScriptedBackend(responder=scripted.echo_responder, model="echo")
        return scripted.ScriptedBackend(scripted.load_script(Path(model)), model=model)
    return resolve_backend(spec)


def serve_function_calling(backend: Backend) -> Any:
    """llama.cpp's OpenAI server with ``chatml-function-calling`` on ``backend``'s GGUF, started.

    None when ``FunctionAgent`` can run on ``backend`` itself (its LLM calls functions: ``openai:``,
    ``ollama:``) or when there is no GGUF to serve (each case then records FunctionAgent's crash).
    """
    from ponder.backends.local.backend import LocalBackend

    if backend.llm.metadata.is_function_calling_model or not isinstance(backend, LocalBackend):
        return None
    from ponder.backends.local.files import resolve_model_path

    gguf = resolve_model_path(backend.model)
    server = _llama_server_module().LlamaServer(
        gguf, chat_format=FUNCTION_CHAT_FORMAT, alias=gguf.stem, n_ctx=FUNCTION_N_CTX
    )
    return server.start()


def served_backend(server: Any, *, timeout: float) -> Backend:
    """A fresh ``openai:`` backend on ``server``, one per case.

    Each case runs in its own event loop (``asyncio.run``), and httpx's async connections cannot
    outlive the loop that opened them: a shared client fails the next case with a connection error.
    """
    from ponder.backends.openai.backend import PLACEHOLDER_KEY, create

    return create(
        server.alias, base_url=server.base_url, api_key=PLACEHOLDER_KEY, max_retries=0, timeout=timeout
    )


def _llama_server_module() -> Any:
    from ponder.testing import llama_server

    return llama_server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--categories", default="simple_python,multiple", help="comma-separated BFCL categories"
    )
    parser.add_argument("--limit", type=int, default=None, help="first N cases of each category")
    parser.add_argument("--skip", type=int, default=0, help="start after the first N cases of each category")
    parser.add_argument(
        "--model",
        default="local:qwen2.5-coder-1.5b",
        help="provider:model (scripted:<file> to check the plumbing)",
    )
    parser.add_argument(
        "--agents", default=",".join(AGENTS), help=f"comma-separated, from {','.join(AGENTS)}"
    )
    parser.add_argument(
        "--max-steps", type=int, default=4, help="tool-calling model calls per case, for every agent"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case, for every agent")
    parser.add_argument(
        "--tool-listing",
        choices=TOOL_LISTINGS,
        default="json",
        help="how the embedded model's prompt lists the tools for Ponder (local: only)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("bfcl_compare.jsonl"), help="per-case results (JSONL)"
    )
    args = parser.parse_args(argv)

    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    unknown = sorted(set(agents) - set(AGENTS))
    if unknown:
        parser.error(f"unknown agents {unknown}; choose from {', '.join(AGENTS)}")
    categories = [c.strip() for c in args.categories.split(",") if c.strip()]
    end = None if args.limit is None else args.skip + args.limit
    cases = [case for category in categories for case in load_cases(category, limit=end)[args.skip :]]
    backend = resolve(args.model)
    if hasattr(backend, "tool_listing"):
        backend.tool_listing = args.tool_listing
    load = getattr(backend, "load", None)
    if callable(load) and {"ponder", "react"} & set(agents):
        started = time.perf_counter()  # load the weights before the clock starts: no case is charged for it
        load()
        print(f"loaded {backend.name} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    server = None
    if "function" in agents:
        started = time.perf_counter()
        server = serve_function_calling(backend)
        if server is not None:
            print(
                f"function: llama.cpp's server ({FUNCTION_CHAT_FORMAT}) at {server.base_url}, "
                f"up in {time.perf_counter() - started:.1f}s",
                file=sys.stderr,
            )
        elif not backend.llm.metadata.is_function_calling_model:
            print(
                f"note: {type(backend.llm).__name__} is not a function-calling LLM; FunctionAgent will crash",
                file=sys.stderr,
            )

    outcomes: list[Outcome] = []
    try:
        with args.out.open("w", encoding="utf-8") as out:
            for number, case in enumerate(cases, 1):
                for agent in agents:  # case by case, so every agent meets the model in the same state
                    served = agent == "function" and server is not None
                    on = served_backend(server, timeout=args.timeout) if served else backend
                    outcome = run_case(agent, case, on, max_steps=args.max_steps, timeout=args.timeout)
                    if served:
                        on.close()
                    outcomes.append(outcome)
                    out.write(json.dumps(asdict(outcome), ensure_ascii=False, default=str) + "\n")
                    out.flush()
                    mark = "ok" if outcome.ok else outcome.kind
                    print(
                        f"[{number}/{len(cases)}] {case.id} {agent}: {mark} ({outcome.seconds:.1f}s)",
                        file=sys.stderr,
                    )
    finally:
        if server is not None:
            server.stop()
    via = f"; function: openai:{server.alias} via {FUNCTION_CHAT_FORMAT}" if server is not None else ""
    print(
        f"\nBFCL, {backend.name}{via}, max {args.max_steps} steps, {args.timeout:g}s per case; "
        f"per-case results: {args.out}\n"
    )
    print(table(outcomes, agents, categories))
    return 0


if __name__ == "__main__":
    sys.exit(main())
