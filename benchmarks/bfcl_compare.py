"""Ponder's agent against the stock LlamaIndex agents on BFCL: same model, same cases, same limits.

    python benchmarks/bfcl_compare.py --categories simple_python,multiple --limit 50 \\
        --model local:qwen2.5-coder-1.5b --agents ponder,react,function --out bfcl_compare.jsonl
    python benchmarks/bfcl_compare.py --categories irrelevance --stratified 40 --agents ponder
    python benchmarks/bfcl_compare.py --categories multi_turn_base --limit 5 --n-ctx 16384
    python benchmarks/bfcl_compare.py --data-dir benchmarks/data/fc_dev --categories multiple --agents ponder

Single-turn categories (``simple_python``, ``multiple``, ``parallel``, ``parallel_multiple``,
``irrelevance``): each case's BFCL functions become tools that record their calls
(``ponder.evals.bfcl``), graded with BFCL's rules whoever made them. Multi-turn
(``multi_turn_base``): the agent gets BFCL's live API simulations as tools and the user turns
one at a time in one session; BFCL's own multi-turn checker gives the verdict
(``ponder.evals.bfcl_multi_turn``). The agents themselves are in ``bfcl_agents.py``.

Ponder and ``ReActAgent`` run on the one loaded model (``backend.llm`` for ReAct: a plain LLM with
the GGUF's own chat template). ``FunctionAgent`` needs a function-calling LLM, which an in-process
GGUF is not: on ``local:`` the script starts llama.cpp's OpenAI server on the same GGUF with
``--chat_format chatml-function-calling`` on 127.0.0.1 and the same context size, gives
``FunctionAgent`` the ``openai:`` backend's ``OpenAILike`` pointed at it, and stops the server at
the end.

Every case ends in one verdict: ``ok`` or one failure kind (``KINDS``). One line per case and
agent goes to the JSONL file as it finishes; a rerun with the same ``--out`` and settings skips
what is there (``--fresh`` starts over). The table at the end gives, per category and agent,
accuracy, seconds and prompt tokens read per case, and the failure kinds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bfcl_agents, next to this script

import bfcl_agents  # noqa: E402
from bfcl_agents import (  # noqa: E402
    Meter,
    Run,
    ServerMeter,
    metered,
    run_ponder,
    run_ponder_turns,
    run_stock,
    run_stock_turns,
)

from ponder.backends.base import Backend  # noqa: E402
from ponder.backends.local.tool_listing import TOOL_LISTINGS  # noqa: E402
from ponder.evals import bfcl_multi_turn  # noqa: E402
from ponder.evals.bfcl import CATEGORIES, BfclCall, BfclCase, grade, load_cases, matches_over_steps  # noqa: E402
from ponder.evals.bfcl_multi_turn import MULTI_TURN_CATEGORIES, LiveApis, MultiTurnCase  # noqa: E402

AGENTS = ("ponder", "react", "function")
FUNCTION_CHAT_FORMAT = "chatml-function-calling"
KINDS = (
    "no_call",
    "wrong_tool",
    "wrong_arguments",
    "missing_call",
    "extra_call",
    "wrong_state",
    "format",
    "timeout",
    "crash",
)
Case = BfclCase | MultiTurnCase


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
    calls: list[Any]
    """Single-turn: the calls that reached a tool, with their step; multi-turn: those calls per turn."""
    answer: str | None
    tokens_read: int = 0
    """Prompt tokens the model evaluated (what a cache held is not counted)."""
    model_calls: int = 0
    over_steps: bool | None = None
    """Parallel categories: whether the calls of all steps together would match (the verdict grades the first step)."""
    settings: dict[str, Any] = field(default_factory=dict)


# -- cases ----------------------------------------------------------------------------------------
def load(category: str, data_dir: Path | None = None) -> list[Case]:
    if category in MULTI_TURN_CATEGORIES:
        return list(bfcl_multi_turn.load_multi_turn_cases(category))
    if category.startswith("live_"):
        raise SystemExit(f"{category}: the live_* categories are held out; this benchmark does not run them")
    return list(load_cases(category, data_dir=data_dir))


def select(cases: Sequence[Case], *, stratified: int | None, skip: int, limit: int | None) -> list[Case]:
    """``stratified`` N: the category cut into N equal runs of cases, the middle case of each; then ``skip``/``limit``."""
    chosen = list(cases)
    if stratified is not None and stratified < len(chosen):
        chosen = [chosen[int((i + 0.5) * len(cases) / stratified)] for i in range(stratified)]
    end = None if limit is None else skip + limit
    return chosen[skip:end]


# -- verdicts -------------------------------------------------------------------------------------
def classify(case: BfclCase, run: Run, calls: list[BfclCall], seconds: float, timeout: float) -> tuple[bool, str, str]:
    """ok, kind, detail: the grade of what reached the tools, else why nothing did."""
    refused = [f"{k}: {v}" for k, v in run.attempts.items() if k in ("wrong_tool", "wrong_arguments")]
    stopped = run.end in ("timeout", "crash") or seconds > timeout
    if case.irrelevance and not calls and not refused and stopped:
        return _stopped(run, seconds, timeout)
    verdict = grade(calls, case, refused=refused)
    if case.irrelevance or verdict.ok or verdict.kind != "no_call":
        return verdict.ok, verdict.kind, verdict.detail
    if stopped:
        return _stopped(run, seconds, timeout)
    for kind in ("wrong_tool", "wrong_arguments", "format"):
        if kind in run.attempts:
            return False, kind, f"no call reached a tool; {run.attempts[kind]}"
    return False, "no_call", f"the run ended ({run.end}) without calling a tool"


def _stopped(run: Run, seconds: float, timeout: float) -> tuple[bool, str, str]:
    if run.end == "crash":
        return False, "crash", run.error
    return False, "timeout", run.error or f"{seconds:.1f}s with no call (limit {timeout:g}s)"


def classify_turns(case: MultiTurnCase, run: Run, apis: LiveApis) -> tuple[bool, str, str]:
    """BFCL's multi-turn verdict once every turn ran; a conversation cut short fails by how it stopped."""
    if run.turns_run < len(case.turns):
        kind = "timeout" if run.end == "timeout" else "crash"
        return False, kind, f"stopped in turn {run.turns_run} of {len(case.turns)}: {run.error}"
    verdict = bfcl_multi_turn.grade(case, apis.turns, format_turns=run.format_turns)
    return verdict.ok, verdict.kind, verdict.detail


def run_case(agent: str, case: Case, backend: Backend, *, settings: dict[str, Any]) -> Outcome:
    started = time.perf_counter()
    over_steps = None
    if isinstance(case, MultiTurnCase):
        limits = {"max_steps": settings["turn_steps"], "timeout": settings["conversation_timeout"]}
        apis: LiveApis | None = None
        try:
            if agent == "ponder":
                run, apis = run_ponder_turns(case, backend, **limits)
            else:
                run, apis = run_stock_turns(agent, case, backend, **limits)
        except Exception as exc:  # anything the runners did not expect is still one classified case
            run = Run(end="crash", error=f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        ok, kind, detail = classify_turns(case, run, apis) if apis else (False, "crash", run.error)
        calls: list[Any] = [[asdict(c) for c in turn] for turn in apis.turns] if apis else []
    else:
        limits = {"max_steps": settings["max_steps"], "timeout": settings["timeout"]}
        try:
            if agent == "ponder":
                run, made = run_ponder(case, backend, **limits)
            else:
                run, made = run_stock(agent, case, backend, **limits)
        except Exception as exc:
            run, made = Run(end="crash", error=f"{type(exc).__name__}: {exc}"), []
        seconds = time.perf_counter() - started
        ok, kind, detail = classify(case, run, made, seconds, settings["timeout"])
        calls = [asdict(c) for c in made]
        if case.parallel:
            over_steps = matches_over_steps(made, case)
    return Outcome(
        agent=agent,
        category=case.category,
        case=case.id,
        ok=ok,
        kind=kind,
        detail=detail,
        seconds=round(seconds, 3),
        end=run.end,
        calls=calls,
        answer=run.answer,
        over_steps=over_steps,
        settings=settings,
    )


# -- results on disk --------------------------------------------------------------------------------
def finished(path: Path, settings: dict[str, Any]) -> dict[tuple[str, str], Outcome]:
    """The outcomes already in ``path`` (by agent and case); refuses a file written with other settings."""
    if not path.is_file():
        return {}
    done: dict[tuple[str, str], Outcome] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            outcome = Outcome(**json.loads(line))
        except (json.JSONDecodeError, TypeError) as exc:
            raise SystemExit(f"{path}:{number} is not a result line of this benchmark ({exc}); use --fresh or another --out") from None
        if outcome.settings != settings:
            differ = sorted(k for k in {*settings, *outcome.settings} if settings.get(k) != outcome.settings.get(k))
            raise SystemExit(
                f"{path} holds results run with other settings ({', '.join(differ)}); "
                "rerun with the same options, or use --fresh or another --out"
            )
        done[(outcome.agent, outcome.case)] = outcome
    return done


# -- the report -----------------------------------------------------------------------------------
def table(outcomes: Sequence[Outcome], agents: Sequence[str], categories: Sequence[str]) -> str:
    """A Markdown table: accuracy, seconds and tokens read per case, failure kinds, per category and agent."""
    head = ["category", "agent", "cases", "accuracy", "median s", "mean s", "tokens read/case", "failures"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for category in [*categories, "all"] if len(categories) > 1 else categories:
        for agent in agents:
            rows = [o for o in outcomes if o.agent == agent and category in ("all", o.category)]
            if not rows:
                continue
            seconds = [o.seconds for o in rows]
            passed = sum(o.ok for o in rows)
            kinds = Counter(o.kind for o in rows if not o.ok)
            cells = [
                category,
                agent,
                str(len(rows)),
                f"{100 * passed / len(rows):.1f}% ({passed})",
                f"{statistics.median(seconds):.2f}",
                f"{statistics.fmean(seconds):.2f}",
                f"{statistics.fmean(o.tokens_read for o in rows):.0f}",
                ", ".join(f"{k} {kinds[k]}" for k in KINDS if kinds[k]) or "-",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def over_steps_note(outcomes: Sequence[Outcome], agents: Sequence[str]) -> str:
    """Parallel categories grade one step; how many would pass with every step's calls counted."""
    parts = []
    for agent in agents:
        rows = [o for o in outcomes if o.agent == agent and o.over_steps is not None]
        if rows:
            parts.append(f"{agent} {sum(bool(o.over_steps) for o in rows)}/{len(rows)}")
    return f"parallel categories with the calls of every step counted: {', '.join(parts)}" if parts else ""


# -- backends -------------------------------------------------------------------------------------
def resolve(spec: str, *, n_ctx: int) -> Backend:
    """A backend from ``provider:model``; ``scripted:echo`` and ``scripted:<file>`` for checking the plumbing."""
    from ponder.backends.registry import resolve_backend

    if spec.startswith("local:"):
        return resolve_backend(spec, n_ctx=n_ctx)
    return resolve_backend(spec)


def serve_function_calling(backend: Backend, *, n_ctx: int) -> Any:
    """llama.cpp's OpenAI server with ``chatml-function-calling`` on ``backend``'s GGUF, started.

    None when ``FunctionAgent`` can run on ``backend`` itself (its LLM calls functions: ``openai:``,
    ``ollama:``) or when there is no GGUF to serve (each case then records FunctionAgent's crash).
    """
    from ponder.backends.local.backend import LocalBackend

    if backend.llm.metadata.is_function_calling_model or not isinstance(backend, LocalBackend):
        return None
    from ponder.backends.local.files import resolve_model_path

    gguf = resolve_model_path(backend.model)
    server = _llama_server_module().LlamaServer(gguf, chat_format=FUNCTION_CHAT_FORMAT, alias=gguf.stem, n_ctx=n_ctx)
    return server.start()


def served_backend(server: Any, *, timeout: float) -> Backend:
    """A fresh ``openai:`` backend on ``server``, one per case.

    Each case runs in its own event loop (``asyncio.run``), and httpx's async connections cannot
    outlive the loop that opened them: a shared client fails the next case with a connection error.
    """
    from ponder.backends.openai.backend import PLACEHOLDER_KEY, create

    return create(server.alias, base_url=server.base_url, api_key=PLACEHOLDER_KEY, max_retries=0, timeout=timeout)


def _llama_server_module() -> Any:
    from ponder.testing import llama_server

    return llama_server


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    bfcl_agents.progress = lambda message: print(message, file=sys.stderr)
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    categories = [c.strip() for c in args.categories.split(",") if c.strip()]
    unknown = sorted(set(agents) - set(AGENTS))
    if unknown:
        _parser().error(f"unknown agents {unknown}; choose from {', '.join(AGENTS)}")
    supported = [c for c in (*CATEGORIES, *MULTI_TURN_CATEGORIES) if not c.startswith("live_")]
    wrong = [c for c in categories if c not in supported]
    if wrong:
        _parser().error(f"unknown or unsupported categories {wrong}; choose from {', '.join(supported)}")
    missing = [c for c in categories if args.data_dir is not None and not (args.data_dir / f"BFCL_v4_{c}.json").is_file()]
    if missing:
        _parser().error(f"--data-dir {args.data_dir} has no BFCL_v4_{missing[0]}.json (cases in BFCL's file layout)")
    cases = [
        case
        for category in categories
        for case in select(load(category, args.data_dir), stratified=args.stratified, skip=args.skip, limit=args.limit)
    ]
    settings = {
        "model": args.model,
        "max_steps": args.max_steps,
        "timeout": args.timeout,
        "turn_steps": args.turn_steps,
        "conversation_timeout": args.conversation_timeout,
        "tool_listing": args.tool_listing,
        "n_ctx": args.n_ctx,
    }
    if args.fresh and args.out.exists():
        args.out.unlink()
    done = finished(args.out, settings)
    todo = [(c, a) for c in cases for a in agents if (a, c.id) not in done]
    outcomes = [done[(a, c.id)] for c in cases for a in agents if (a, c.id) in done]
    if outcomes:
        print(f"resuming {args.out}: {len(outcomes)} results there, {len(todo)} to run", file=sys.stderr)

    backend = resolve(args.model, n_ctx=args.n_ctx)
    if hasattr(backend, "tool_listing"):
        backend.tool_listing = args.tool_listing
    meter = Meter()
    metered(backend, meter)
    load_weights = getattr(backend, "load", None)
    if todo and callable(load_weights) and {"ponder", "react"} & {a for _, a in todo}:
        started = time.perf_counter()  # load the weights before the clock starts: no case is charged for it
        load_weights()
        print(f"loaded {backend.name} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    server = server_meter = None
    if "function" in {a for _, a in todo}:
        started = time.perf_counter()
        server = serve_function_calling(backend, n_ctx=args.n_ctx)
        if server is not None:
            server_meter = ServerMeter(server)
            server_meter.take(Meter())
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

    try:
        with args.out.open("a", encoding="utf-8") as out:
            for number, (case, agent) in enumerate(todo, 1):  # case by case: every agent meets the model in the same state
                served = agent == "function" and server is not None
                on = served_backend(server, timeout=max(args.timeout, args.conversation_timeout)) if served else backend
                meter.reset()
                outcome = run_case(agent, case, on, settings=settings)
                if served:
                    on.close()
                    assert server_meter is not None
                    server_meter.take(meter)
                outcome.tokens_read, outcome.model_calls = meter.tokens_read, meter.model_calls
                outcomes.append(outcome)
                out.write(json.dumps(asdict(outcome), ensure_ascii=False, default=str) + "\n")
                out.flush()
                mark = "ok" if outcome.ok else outcome.kind
                print(
                    f"[{number}/{len(todo)}] {case.id} {agent}: {mark} ({outcome.seconds:.1f}s, "
                    f"{outcome.tokens_read} tokens read)",
                    file=sys.stderr,
                )
    finally:
        if server is not None:
            server.stop()
    via = f"; function: openai:{server.alias} via {FUNCTION_CHAT_FORMAT}" if server is not None else ""
    print(
        f"\nBFCL, {backend.name}{via}; single-turn: max {args.max_steps} steps, {args.timeout:g}s per case; "
        f"multi-turn: max {args.turn_steps} steps per turn, {args.conversation_timeout:g}s per case; "
        f"per-case results: {args.out}\n"
    )
    print(table(outcomes, agents, categories))
    note = over_steps_note(outcomes, agents)
    if note:
        print(f"\n{note}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--categories", default="simple_python,multiple", help="comma-separated BFCL categories")
    parser.add_argument("--stratified", type=int, default=None, help="N cases spread evenly over each category")
    parser.add_argument("--limit", type=int, default=None, help="the first N of each category's (selected) cases")
    parser.add_argument("--skip", type=int, default=0, help="start after the first N of each category's (selected) cases")
    parser.add_argument(
        "--model", default="local:qwen2.5-coder-1.5b", help="provider:model (scripted:<file> to check the plumbing)"
    )
    parser.add_argument("--agents", default=",".join(AGENTS), help=f"comma-separated, from {','.join(AGENTS)}")
    parser.add_argument("--max-steps", type=int, default=4, help="single-turn: tool-calling model calls per case")
    parser.add_argument("--timeout", type=float, default=120.0, help="single-turn: seconds per case")
    parser.add_argument("--turn-steps", type=int, default=10, help="multi-turn: tool-calling model calls per user turn")
    parser.add_argument(
        "--conversation-timeout", type=float, default=1800.0, help="multi-turn: seconds per case, all turns together"
    )
    parser.add_argument(
        "--tool-listing",
        choices=TOOL_LISTINGS,
        default="json",
        help="how the embedded model's prompt lists the tools for Ponder (local: only)",
    )
    parser.add_argument(
        "--n-ctx", type=int, default=8192, help="context window of the embedded model (and of FunctionAgent's server)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="cases in BFCL's file layout from this folder (e.g. benchmarks/data/fc_dev)"
    )
    parser.add_argument("--out", type=Path, default=Path("bfcl_compare.jsonl"), help="per-case results (JSONL)")
    parser.add_argument("--fresh", action="store_true", help="discard the results already in --out")
    return parser


if __name__ == "__main__":
    sys.exit(main())
