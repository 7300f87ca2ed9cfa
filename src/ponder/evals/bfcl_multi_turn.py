"""BFCL's multi-turn categories: several user turns against BFCL's own stateful API simulations.

A case names API classes (``GorillaFileSystem``, ``TwitterAPI``...) and their starting state.
``LiveApis`` loads them and offers every function of those classes as a tool bound to the live
instance: a call really moves the file, posts the tweet, and the model sees BFCL's own result
or error. The calls are recorded per user turn; ``grade`` hands them, as the Python source
BFCL's checker replays, to BFCL's ``multi_turn_checker`` (``ponder.evals.bfcl_simulations``),
which replays them and the ground truth on fresh instances and compares the state of every
instance and the results of the expected calls after each turn.

Failure kinds, from the checker's verdict at the first turn that fails:
``wrong_state`` (an instance ends the turn in another state), ``missing_call`` (a turn with no
call, or an expected call's result never produced), ``extra_call`` (every expected call of the
turn was made, and more calls changed the state), ``format`` (a turn with no call where the
agent could not read the model's call).
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.errors import InputError
from ponder.evals import bfcl_simulations as sim
from ponder.evals.bfcl import BfclCall, OfferedFunction, default_data_dir, offer, read_jsonl

if TYPE_CHECKING:
    from ponder.tools.base import Tool

MULTI_TURN_CATEGORIES = ("multi_turn_base",)
"""Multi-turn categories run here (``miss_func``/``miss_param``/``long_context`` need more handling)."""
KINDS = ("ok", "wrong_state", "missing_call", "extra_call", "format")


@dataclass(frozen=True)
class MultiTurnCase:
    """One BFCL multi-turn conversation: its user turns, its APIs and their state, the expected calls per turn."""

    id: str
    category: str
    turns: list[list[dict[str, str]]]
    involved_classes: list[str]
    initial_config: dict[str, Any]
    functions: list[dict[str, Any]]
    """Every function of the involved classes (BFCL offers them all)."""
    ground_truth: list[list[str]]
    """The expected calls of each turn, as Python source."""

    @property
    def long_context(self) -> bool:
        return "long_context" in self.category

    def turn_prompt(self, index: int) -> str:
        """The user's message of one turn (a turn's messages joined, in case a turn has several)."""
        return "\n\n".join(str(m.get("content", "")) for m in self.turns[index])


def load_multi_turn_cases(
    category: str, *, limit: int | None = None, data_dir: Path | None = None
) -> list[MultiTurnCase]:
    """One multi-turn category's conversations and expected calls (the first ``limit``, in file order)."""
    if category not in MULTI_TURN_CATEGORIES:
        raise InputError(
            f"unknown or unsupported BFCL multi-turn category '{category}'",
            fix=f"use one of: {', '.join(MULTI_TURN_CATEGORIES)}",
        )
    folder = data_dir or default_data_dir()
    rows = read_jsonl(folder / f"BFCL_v4_{category}.json")
    answers = {r["id"]: r["ground_truth"] for r in read_jsonl(folder / "possible_answer" / f"BFCL_v4_{category}.json")}
    docs: dict[str, list[dict[str, Any]]] = {}
    cases = []
    for row in rows[:limit] if limit is not None else rows:
        classes = list(row["involved_classes"])
        for name in classes:
            if name not in docs:
                docs[name] = read_jsonl(folder / "multi_turn_func_doc" / sim.doc_file(name))
        if row["id"] not in answers or len(answers[row["id"]]) != len(row["question"]):
            raise InputError(f"BFCL case {row['id']} has no ground truth for each of its turns", fix=sim.INSTALL)
        cases.append(
            MultiTurnCase(
                id=row["id"],
                category=category,
                turns=row["question"],
                involved_classes=classes,
                initial_config=row.get("initial_config", {}),
                functions=[doc for name in classes for doc in docs[name]],
                ground_truth=answers[row["id"]],
            )
        )
    return cases


@dataclass
class LiveApis:
    """A case's API classes running live, their functions as tools, and the calls that reached them per turn.

    Call ``start_turn()`` before each user turn. Tools may be called from several threads (stock
    agents run one step's calls concurrently): calls run one at a time, recorded in the order
    they ran, which is the order BFCL's checker replays them in.
    """

    case: MultiTurnCase
    instances: dict[str, Any] = field(init=False)
    turns: list[list[BfclCall]] = field(init=False, default_factory=list)
    offered: list[OfferedFunction] = field(init=False)
    tools: list[Tool] = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        from ponder.tools.base import Tool

        self.instances = sim.new_instances(self.case)
        self.offered = offer(self.case.functions)
        self.tools = [Tool.from_json_schema(o.spec, self._function(o), source="bfcl") for o in self.offered]

    def start_turn(self) -> None:
        with self._lock:
            self.turns.append([])

    def _function(self, offered: OfferedFunction) -> Callable[..., str]:
        instance = next(
            (i for i in self.instances.values() if _has_function(i, offered.bfcl_name)), None
        )
        if instance is None:
            raise InputError(f"BFCL case {self.case.id}: no API class implements {offered.bfcl_name!r}", fix=sim.INSTALL)

        def call(**arguments: Any) -> str:
            made = offered.to_bfcl(arguments)
            with self._lock:
                if not self.turns:
                    self.turns.append([])
                # A copy: the simulation keeps (and later mutates) the lists it is given.
                output = sim.execute(instance, sim.Call(made.name, copy.deepcopy(made.arguments)))
                self.turns[-1].append(made)
            return output

        call.__name__ = offered.name
        return call

    def decoded(self) -> list[list[list[str]]]:
        """The calls as BFCL's checker takes them: per turn, the turn's calls as one step (none: no step)."""
        return [[[sim.source(sim.Call(c.name, c.arguments)) for c in turn]] if turn else [] for turn in self.turns]


def _has_function(instance: Any, name: str) -> bool:
    return not name.startswith("_") and callable(getattr(instance, name, None))


@dataclass(frozen=True)
class MultiTurnVerdict:
    ok: bool
    kind: str
    """One of ``KINDS``."""
    detail: str = ""
    turn: int | None = None
    """The first turn that failed (0-based)."""


def grade(case: MultiTurnCase, turns: Sequence[Sequence[BfclCall]], *, format_turns: Sequence[int] = ()) -> MultiTurnVerdict:
    """BFCL's multi-turn verdict on the calls made in each turn (every turn must have been run).

    ``format_turns``: turns in which the agent could not read a call the model wrote; a turn
    with no call among them fails as ``format`` rather than ``missing_call``.
    """
    if len(turns) != len(case.ground_truth):
        raise InputError(
            f"BFCL case {case.id} has {len(case.ground_truth)} turns; calls were given for {len(turns)}",
            fix="grade a conversation only once every turn has run",
        )
    decoded = [[[sim.source(sim.Call(c.name, c.arguments)) for c in turn]] if turn else [] for turn in turns]
    result = sim.check(case, decoded, case.ground_truth)
    if result.get("valid"):
        return MultiTurnVerdict(True, "ok")
    turn = next(
        (t for t in range(len(turns)) if not sim.check(case, decoded, case.ground_truth[: t + 1]).get("valid")),
        len(turns) - 1,
    )
    error_type = str(result.get("error_type", ""))
    expected = case.ground_truth[turn]
    made = [sim.source(sim.Call(c.name, c.arguments)) for c in turns[turn]]
    said = f"turn {turn}: expected {_short(expected)}; made {_short(made)}"
    if error_type.endswith("empty_turn_model_response"):
        kind = "format" if turn in format_turns else "missing_call"
        return MultiTurnVerdict(False, kind, f"{said} (no call in the turn)", turn)
    if _made_every_expected_call(case, expected, turns[turn]):
        return MultiTurnVerdict(False, "extra_call", f"{said} ({_reason(result)})", turn)
    kind = "wrong_state" if error_type.endswith("instance_state_mismatch") else "missing_call"
    return MultiTurnVerdict(False, kind, f"{said} ({_reason(result)})", turn)


def _made_every_expected_call(case: MultiTurnCase, expected: Sequence[str], made: Sequence[BfclCall]) -> bool:
    """Whether the turn's calls include each expected call (same function, same arguments once defaults are filled) and more."""
    if len(made) <= len(expected):
        return False
    instances = sim.new_instances(case)
    try:
        wanted = Counter(sim.normalised(sim.parse(text, instances), instances) for text in expected)
        got = Counter(sim.normalised(sim.Call(c.name, c.arguments), instances) for c in made)
    except InputError:
        return False
    return not (wanted - got)


def _reason(result: dict[str, Any]) -> str:
    details = result.get("details") or {}
    if "differences" in details:
        return f"state differs in {', '.join(sorted(details['differences']))}"
    if "missing_items" in details:
        missing = [str(m)[:80] for m in details["missing_items"][:2]]
        return f"expected results not produced: {'; '.join(missing)}"
    return str(result.get("error_message", result.get("error_type", "")))[:200]


def _short(calls: Sequence[str], limit: int = 4) -> str:
    shown = [c if len(c) <= 90 else c[:87] + "..." for c in calls[:limit]]
    more = f" +{len(calls) - limit} more" if len(calls) > limit else ""
    return "[" + ", ".join(shown) + "]" + more if calls else "nothing"


def ground_truth_turns(case: MultiTurnCase) -> list[list[sim.Call]]:
    """The expected calls of each turn with named arguments (positional ones bound by the function's signature)."""
    instances = sim.new_instances(case)
    return [[sim.parse(text, instances) for text in turn] for turn in case.ground_truth]
