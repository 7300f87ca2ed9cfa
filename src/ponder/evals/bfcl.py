"""The Berkeley Function Calling Leaderboard (BFCL) as Ponder cases, tools and a grader.

The data comes from the ``bfcl-eval`` package (installed without its heavy dependencies;
only its JSON files are read, none of its modules imported). Each BFCL function becomes a
Ponder ``Tool`` whose call is recorded and answered with a neutral "ok"; ``grade`` then
applies BFCL's own AST matching (``ponder.evals.bfcl_ast``) to what was recorded. As eval
suites (``ponder eval bfcl:...``): ``ponder.evals.bfcl_suite``; multi-turn conversations:
``ponder.evals.bfcl_multi_turn``.

Names: BFCL functions are named like ``math.factorial``; OpenAI-style APIs accept only
``^[a-zA-Z0-9_-]{1,64}$``, so tools are named ``math_factorial`` and calls are recorded
under the BFCL name again (BFCL's ``convert_to_tool`` / ``convert_func_name`` do the same).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.errors import InputError, MissingDependency
from ponder.evals import bfcl_ast

if TYPE_CHECKING:
    from ponder.agents.result import RunResult
    from ponder.tools.base import Tool

INSTALL = "pip install --no-deps bfcl-eval==2026.3.23"

# Single-turn categories, graded as BFCL grades them: the AST categories by BFCL's matcher,
# ``irrelevance`` by "no call at all". Java/JavaScript need other type converters; the
# multi-turn categories live in ``ponder.evals.bfcl_multi_turn``.
CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
)
IRRELEVANCE = "irrelevance"
"""Questions no offered function fits: right when the agent makes no call (BFCL has no answers for them)."""
KINDS = ("ok", "no_call", "wrong_tool", "wrong_arguments", "missing_call", "extra_call")

# What BFCL appends to every Python function description before a model sees it
# (``_func_doc_language_specific_pre_processing`` in bfcl_eval/utils.py).
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."


@dataclass(frozen=True)
class BfclCase:
    """One BFCL question: its messages, the function docs offered, and the acceptable calls."""

    id: str
    category: str
    messages: list[dict[str, str]]
    functions: list[dict[str, Any]]
    ground_truth: list[dict[str, dict[str, list[Any]]]]

    @property
    def prompt(self) -> str:
        """The task as one string (system messages, where a case has any, come first)."""
        ordered = sorted(self.messages, key=lambda m: m.get("role") != "system")
        return "\n\n".join(str(m.get("content", "")) for m in ordered)

    @property
    def parallel(self) -> bool:
        return "parallel" in self.category

    @property
    def irrelevance(self) -> bool:
        return self.category == IRRELEVANCE


@dataclass(frozen=True)
class BfclCall:
    """A call as BFCL sees it: the BFCL function name and the arguments the tool received."""

    name: str
    arguments: dict[str, Any]
    step: int = field(default=0, compare=False)
    """The agent's step (model call) that asked for it; parallel categories grade one step's calls."""


@dataclass(frozen=True)
class BfclVerdict:
    ok: bool
    kind: str
    """One of ``KINDS``."""
    detail: str = ""


@dataclass
class CallRecorder:
    """Collects the calls a case's tools receive, in order (thread-safe: stock agents may run tools concurrently)."""

    calls: list[BfclCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, call: BfclCall) -> None:
        with self._lock:
            self.calls.append(call)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


# -- data -------------------------------------------------------------------------------------
def default_data_dir() -> Path:
    """The ``data`` folder of the installed ``bfcl_eval`` package (its ``__init__`` is empty, so this is cheap)."""
    from importlib import resources

    try:
        root = resources.files("bfcl_eval")
    except ModuleNotFoundError:
        raise MissingDependency("the BFCL data is not installed", fix=INSTALL) from None
    path = Path(str(root)) / "data"
    if not path.is_dir():
        raise MissingDependency(f"the installed bfcl_eval package has no data folder at {path}", fix=INSTALL)
    return path


def load_cases(category: str, *, limit: int | None = None, data_dir: Path | None = None) -> list[BfclCase]:
    """Read one category's questions and possible answers (the first ``limit`` cases, in file order)."""
    if category.startswith("multi_turn"):
        raise InputError(
            f"'{category}' is a multi-turn category: its cases are conversations, not single questions",
            fix="run it with benchmarks/bfcl_compare.py, or from Python with ponder.evals.bfcl_multi_turn",
        )
    if category not in CATEGORIES:
        raise InputError(
            f"unknown or unsupported BFCL category '{category}'", fix=f"use one of: {', '.join(CATEGORIES)}"
        )
    folder = data_dir or default_data_dir()
    questions = read_jsonl(folder / f"BFCL_v4_{category}.json")
    answers: dict[str, Any] = (
        {row["id"]: [] for row in questions}
        if category == IRRELEVANCE
        else {
            row["id"]: row["ground_truth"]
            for row in read_jsonl(folder / "possible_answer" / f"BFCL_v4_{category}.json")
        }
    )
    cases: list[BfclCase] = []
    for row in questions[:limit] if limit is not None else questions:
        case_id = row["id"]
        turns = row["question"]
        if len(turns) != 1:
            raise InputError(
                f"BFCL case {case_id} has {len(turns)} turns; only single-turn categories are supported"
            )
        if case_id not in answers:
            raise InputError(
                f"BFCL case {case_id} has no possible answer in {folder / 'possible_answer'}", fix=INSTALL
            )
        cases.append(
            BfclCase(
                id=case_id,
                category=category,
                messages=turns[0],
                functions=row["function"],
                ground_truth=answers[case_id],
            )
        )
    return cases


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise MissingDependency(f"BFCL data file {path} is missing", fix=INSTALL)
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{number}: not JSON ({exc.msg})", fix=INSTALL) from None
    return rows


# -- tools ------------------------------------------------------------------------------------
def api_name(name: str) -> str:
    """The tool name an OpenAI-style API accepts (BFCL's ``convert_to_tool``: '.' becomes '_')."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64]


def tools_for(case: BfclCase) -> tuple[list[Tool], CallRecorder]:
    """The case's functions as tools that record their calls and answer ``ok: <name> called``."""
    from ponder.tools.base import Tool

    recorder = CallRecorder()
    tools = [
        Tool.from_json_schema(o.spec, _recording_fn(recorder, o), source="bfcl")
        for o in offered_functions(case)
    ]
    return tools, recorder


@dataclass(frozen=True)
class OfferedFunction:
    """A BFCL function as the model is shown it, and how to map its calls back."""

    spec: dict[str, Any]
    """The function doc with an API-safe name and BFCL's language hint."""
    bfcl_name: str
    renames: dict[str, str]
    """{parameter name offered: BFCL's parameter name} where they differ."""

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    def to_bfcl(self, arguments: Mapping[str, Any]) -> BfclCall:
        return BfclCall(
            name=self.bfcl_name, arguments=_plain({self.renames.get(k, k): v for k, v in arguments.items()})
        )


def offered_functions(case: BfclCase) -> list[OfferedFunction]:
    return offer(case.functions)


def offer(functions: Sequence[Mapping[str, Any]]) -> list[OfferedFunction]:
    """BFCL function docs as the model is shown them (API-safe names, BFCL's Python hint)."""
    offered = []
    taken: set[str] = set()
    for function in functions:
        spec = copy.deepcopy(dict(function))
        spec["name"] = _unique(api_name(function["name"]), taken)
        spec["description"] = str(spec.get("description", "")) + PYTHON_HINT
        renames = _rename_private_params(spec)
        offered.append(OfferedFunction(spec=spec, bfcl_name=function["name"], renames=renames))
    return offered


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name[:60]}_{n}"
    taken.add(candidate)
    return candidate


def _rename_private_params(spec: dict[str, Any]) -> dict[str, str]:
    """pydantic refuses field names with a leading underscore (BFCL has ``_from``, ``_class``).

    Such a parameter is offered as ``from_`` and recorded under its BFCL name again, like the
    function names; returns {offered name: BFCL name}.
    """
    params = spec.get("parameters") or {}
    properties: dict[str, Any] = params.get("properties") or {}
    renames = {}
    for prop in list(properties):
        if prop.startswith("_"):
            new = prop.lstrip("_") + "_" * (len(prop) - len(prop.lstrip("_")))
            while new in properties:
                new += "_"
            renames[new] = prop
    if renames:
        back = {v: k for k, v in renames.items()}
        params["properties"] = {back.get(k, k): v for k, v in properties.items()}
        params["required"] = [back.get(k, k) for k in params.get("required", [])]
    return renames


def _recording_fn(recorder: CallRecorder, offered: OfferedFunction) -> Callable[..., str]:
    def call(**arguments: Any) -> str:
        recorder.add(offered.to_bfcl(arguments))
        return f"ok: {offered.name} called"

    call.__name__ = offered.name
    return call


def _plain(value: Any) -> Any:
    """A JSON-like copy (tuples become lists, as BFCL's answers went through JSON too)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def calls_from_run(result: RunResult, case: BfclCase) -> list[BfclCall]:
    """The calls a Ponder run made that reached a tool, in BFCL's names (for graders that see only the result)."""
    by_name = {o.name: o for o in offered_functions(case)}
    return [
        replace(by_name[r.name].to_bfcl(r.arguments), step=r.step)
        for r in result.trajectory
        if r.ok and r.name in by_name
    ]


def refused_calls(result: RunResult) -> list[str]:
    """Calls the model wrote well enough to name a tool that the agent refused (unknown tool, invalid arguments)."""
    return [f"{r.name}: {r.output[:200]}" for r in result.trajectory if r.error_kind in REFUSED]


REFUSED = ("unknown_tool", "bad_arguments")
"""Ponder's error kinds for a readable call that never reached a tool: BFCL would have decoded it as a call."""


# -- grading ----------------------------------------------------------------------------------
def grade(calls: Sequence[BfclCall], case: BfclCase, *, refused: Sequence[str] = ()) -> BfclVerdict:
    """BFCL's verdict on the recorded calls.

    Simple and multiple categories grade the first call (BFCL expects exactly one; an agent
    that calls again after its observation is not marked down for it). Parallel categories
    grade the calls of the first step that made any, in any order, as
    ``parallel_function_checker_no_order`` grades one model response. ``irrelevance`` is right
    when no call was made: neither one that reached a tool nor one the agent ``refused`` (BFCL
    counts any call it can decode, valid or not).
    """
    if case.irrelevance:
        made = [c.name for c in calls] + [r.split(":", 1)[0] for r in refused]
        if made:
            return BfclVerdict(False, "extra_call", f"no function fits, yet the agent called {', '.join(made)}")
        return BfclVerdict(True, "ok", "")
    if not calls:
        return BfclVerdict(False, "no_call", "the model made no call that reached a tool")
    if case.parallel:
        return _parallel_verdict(calls, case)
    outputs = [{c.name: c.arguments} for c in calls]
    expected = case.ground_truth[0]
    expected_name = next(iter(expected))
    description = bfcl_ast.find_description(case.functions, expected_name)
    if description is None:
        raise InputError(
            f"BFCL case {case.id}: ground truth names {expected_name!r}, which the case does not define"
        )
    check = bfcl_ast.simple_function_checker(description, outputs[0], expected)
    note = f" (graded the first of {len(calls)} calls)" if len(calls) > 1 else ""
    if check.valid:
        return BfclVerdict(True, "ok", note.strip(" ()"))
    if check.error_type.endswith("wrong_func_name"):
        return BfclVerdict(False, "wrong_tool", f"called {calls[0].name}, expected {expected_name}{note}")
    return BfclVerdict(False, "wrong_arguments", f"{calls[0].name}: {' '.join(check.error)}{note}")


def _parallel_verdict(calls: Sequence[BfclCall], case: BfclCase) -> BfclVerdict:
    first = min(c.step for c in calls)
    graded = [c for c in calls if c.step == first]
    verdict = _parallel_check(graded, case)
    if verdict.ok or len(graded) == len(calls):
        return verdict
    steps = len({c.step for c in calls})
    over_steps = "would" if _parallel_check(calls, case).ok else "would not"
    return replace(
        verdict,
        detail=f"{verdict.detail} (first step graded; all {len(calls)} calls over {steps} steps {over_steps} match)",
    )


def matches_over_steps(calls: Sequence[BfclCall], case: BfclCase) -> bool:
    """Whether the calls of every step together would pass a parallel case (what a user would get)."""
    return bool(calls) and _parallel_check(calls, case).ok


def _parallel_check(calls: Sequence[BfclCall], case: BfclCase) -> BfclVerdict:
    outputs = [{c.name: c.arguments} for c in calls]
    check = bfcl_ast.parallel_function_checker_no_order(case.functions, outputs, case.ground_truth)
    if check.valid:
        return BfclVerdict(True, "ok", "")
    expected = sorted(next(iter(answer)) for answer in case.ground_truth)
    made = sorted(c.name for c in calls)
    if check.error_type.endswith("wrong_count"):
        kind = "missing_call" if len(made) < len(expected) else "extra_call"
        return BfclVerdict(
            False,
            kind,
            f"expected {len(expected)} calls ({', '.join(expected)}), got {len(made)} ({', '.join(made)})",
        )
    if made != expected:
        return BfclVerdict(False, "wrong_tool", f"called {', '.join(made)}; expected {', '.join(expected)}")
    return BfclVerdict(False, "wrong_arguments", " ".join(check.error))


def ground_truth_calls(case: BfclCase) -> list[BfclCall]:
    """The expected calls, each parameter at its first acceptable value.

    An optional parameter (one whose acceptable values include ``""``) is left out unless
    the function doc requires it (a few BFCL answers mark a required parameter optional).
    """
    calls = []
    for answer in case.ground_truth:
        ((name, params),) = answer.items()
        description = bfcl_ast.find_description(case.functions, name) or {}
        required = set(description.get("parameters", {}).get("required", []))
        arguments = {
            p: _first(values)
            for p, values in params.items()
            if _first(values) != "" and ("" not in values or p in required)
        }
        calls.append(BfclCall(name=name, arguments=arguments))
    return calls


def _first(acceptable: Sequence[Any]) -> Any:
    """The first acceptable value; BFCL writes a dict's answer as {key: [acceptable values]}, in lists of dicts too."""
    value = next((v for v in acceptable if v != ""), "")
    if isinstance(value, dict):
        return {k: _first(vs) for k, vs in value.items() if _first(vs) != "" and "" not in vs}
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return [_first([item]) for item in value]
    return value
