"""How often the loop's checks on calls would get in the way of *correct* calls (no model needed).

Three checks, counted on BFCL's expected calls:
- questioned: the run's first call has no value that appears in the conversation;
- dropped: an optional argument the expected call must carry would be left out as made up
  (``without_made_up_options``; optional arguments BFCL also accepts absent are not counted);
- held: the expected calls, all made in the first step, leave out numbers the task gives
  (``uncovered_givens``), so they would wait one step.

The loop questions a run's first call once when none of its values appears in the conversation
(``ponder.agents.grounding``). On BFCL's development categories the expected calls are known,
so the cost of that check on right answers can be counted exactly: each questioned correct call
costs the model one more step (and the chance that it drops a right call). Irrelevance gains are
measured with the model: ``bfcl_compare.py --categories irrelevance --stratified 40``.

    python benchmarks/grounding.py [simple_python multiple parallel parallel_multiple]
"""

from __future__ import annotations

import json
import sys

from ponder.agents.coverage import uncovered_givens
from ponder.agents.grounding import ungrounded_values, without_made_up_options
from ponder.evals.bfcl import BfclCase, bfcl_ast, ground_truth_calls, load_cases


def main(categories: list[str]) -> int:
    for category in categories:
        cases = load_cases(category)
        questioned = []
        for case in cases:
            calls = ground_truth_calls(case)
            if not calls:
                continue
            description = bfcl_ast.find_description(case.functions, calls[0].name) or {}
            made_up = ungrounded_values(
                calls[0].arguments, description.get("parameters", {}), case.prompt.lower(), json.dumps(description)
            )
            if made_up:
                questioned.append(f"{case.id}: {calls[0].name} {', '.join(made_up[:3])}")
        print(f"{category}: {len(questioned)} of {len(cases)} correct first calls would be questioned")
        for line in questioned:
            print(f"    {line}")
        dropped = [line for case in cases for line in _dropped_options(case)]
        print(f"{category}: {len(dropped)} needed optional arguments would be left out")
        for line in dropped:
            print(f"    {line}")
        held = [case.id for case in cases if uncovered_givens(case.prompt, [c.arguments for c in ground_truth_calls(case)])]
        print(f"{category}: {len(held)} of {len(cases)} right first steps would be held back one step")
        print(f"    {' '.join(held)}")
    return 0


def _dropped_options(case: BfclCase) -> list[str]:
    lines = []
    for call in ground_truth_calls(case):
        description = bfcl_ast.find_description(case.functions, call.name) or {}
        _, dropped = without_made_up_options(
            call.arguments, description.get("parameters", {}), case.prompt.lower()
        )
        lines += [f"{case.id}: {call.name}.{name}={call.arguments[name]!r}" for name in dropped]
    return lines


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["simple_python", "multiple", "parallel", "parallel_multiple"]))
