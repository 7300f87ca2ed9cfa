"""Faults tried and survived: server faults per protocol, broken input files, kill -9 and resume.

    .venv/bin/python benchmarks/faults.py                 # all three tables
    .venv/bin/python benchmarks/faults.py --only faults   # faults | inputs | kills
    .venv/bin/python benchmarks/faults.py --kills 5       # kill rounds per command

1. Server faults: every cell of ``tests/fakes/faults.py`` (429 with and without Retry-After,
   5xx, reset, close, never answering, a stall, a stream cut, invalid JSON, an empty answer, a
   malformed tool call, an error event, nothing listening) against the OpenAI and the Ollama
   protocol, each through a whole agent with a 3 s run limit: recovered or a clear error, and
   how long it took (to recover, or to fail).
2. Broken inputs: the corpus of ``tests/cli/test_corrupt_inputs.py`` through the real CLI:
   how many ended in one clear message naming the file, with nothing lost.
3. Kills: ``ponder run -f``, ``ponder eval`` and ``ponder index`` SIGKILLed at random points,
   several times each, then resumed: how many kills were survived (the final results equal an
   uninterrupted run's).

The same cells, corpus and scenarios are the tests' (which assert them); this script prints
the figures. Exit status 1 if anything was not survived.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.faults import CELLS, PROTOCOLS, RUN_TIMEOUT, Cell, run_cell, serve  # noqa: E402


def fault_cell(cell: Cell, protocol: str) -> tuple[bool, str, float, int]:
    """(as expected, what happened, seconds, requests the server received)."""
    with serve(protocol) as server:
        answer, error, seconds, _ = run_cell(cell, protocol, server)
        requests = len([r for r in server.requests if r.method == "POST" and not r.path.endswith("/api/show")])
    expected = cell.outcome(protocol)
    if error is None:
        ok = expected.recovers and answer is not None and expected.answer in answer
        what = f"recovered: {answer!r}"
    else:
        ok = not expected.recovers and expected.message in error.message and bool(error.fix)
        what = f"error: {error.message}"
    ok = ok and seconds < RUN_TIMEOUT + 1.5 and seconds >= expected.min_seconds
    return ok, what, seconds, requests


def faults_table() -> int:
    print("## Server faults (run limit 3 s)\n")
    print("| fault | protocol | outcome | seconds | requests | what the user sees |")
    print("|---|---|---|---:|---:|---|")
    bad = 0
    for cell in CELLS:
        for protocol in PROTOCOLS:
            ok, what, seconds, requests = fault_cell(cell, protocol)
            bad += not ok
            outcome = ("recovered" if what.startswith("recovered") else "clear error") if ok else "**NOT AS EXPECTED**"
            shown = what if len(what) <= 150 else what[:149] + "…"
            print(f"| {cell.name} | {protocol} | {outcome} | {seconds:.2f} | {requests} | {shown.replace('|', '/')} |")
    tried = len(CELLS) * len(PROTOCOLS)
    print(f"\nfaults tried: {tried}; recovered or a clear error in time: {tried - bad}\n")
    return bad


def inputs_table() -> int:
    from tests.cli.test_corrupt_inputs import CORPUS, problems, try_input

    print("## Broken input files (the real CLI)\n")
    root = Path(tempfile.mkdtemp(prefix="ponder-inputs-"))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda item: (item, try_input(item, root)), CORPUS))
    kinds: dict[str, list[int]] = {}
    bad = 0
    for item, out in outcomes:
        found = problems(item, out)
        tally = kinds.setdefault(item.name.split(":")[0], [0, 0])
        tally[0] += 1
        tally[1] += not found
        if found:
            bad += 1
            print(f"- **{item.name}**: {'; '.join(found)}")
    print("| file | inputs tried | one clear message, nothing lost |")
    print("|---|---:|---:|")
    for kind, (tried, handled) in kinds.items():
        print(f"| {kind} | {tried} | {handled} |")
    print(f"\ninputs tried: {len(CORPUS)}; handled: {len(CORPUS) - bad}\n")
    return bad


def kills_table(rounds: int) -> int:
    from tests.cli.test_kill_and_resume import batch_scenario, eval_scenario, index_scenario
    from tests.fakes.openai_server import FakeOpenAIServer
    from tests.fakes.replies import Reply

    print(f"## kill -9 and resume ({rounds} kills per command)\n")
    print("| command | kills landed mid-run | survived | problems |")
    print("|---|---:|---:|---|")
    seed = random.randrange(1, 10**6)
    bad = 0
    with FakeOpenAIServer() as server:
        server.responder = lambda body: Reply(text=f"Answer to {body['messages'][-1]['content']}.", delay=0.05, chunk=3)
        for name, scenario in (("run -f", batch_scenario), ("eval", eval_scenario), ("index", index_scenario)):
            root = Path(tempfile.mkdtemp(prefix="ponder-kills-"))
            outcome = scenario(root, server, random.Random(seed), rounds)
            bad += bool(outcome.problems)
            print(f"| {name} | {outcome.kills} | {outcome.survived} | {'; '.join(outcome.problems) or '-'} |")
    print(f"\nseed {seed} (PONDER_KILL_SEED={seed} makes the tests repeat it)\n")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["faults", "inputs", "kills"], help="one table only")
    parser.add_argument("--kills", type=int, default=3, help="kill rounds per command (default 3)")
    args = parser.parse_args()
    bad = 0
    if args.only in (None, "faults"):
        bad += faults_table()
    if args.only in (None, "inputs"):
        bad += inputs_table()
    if args.only in (None, "kills"):
        bad += kills_table(args.kills)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
