"""BFCL's multi-turn categories: the cases, the live API tools, and BFCL's own checker on what they record.

The harness is checked against BFCL the way ``bfcl_ast`` is: every case's ground-truth calls,
sent through the harness's tools (Ponder's argument validation included), must pass BFCL's
checker and produce exactly the results BFCL's own execution produces; altered call sequences
sent through the harness must get the verdict BFCL's checker gives the same calls written by hand.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import pytest

from ponder.errors import InputError, ToolArgumentsError
from ponder.evals import bfcl_multi_turn as mt
from ponder.evals import bfcl_simulations as sim
from ponder.evals.bfcl import BfclCall

if importlib.util.find_spec("bfcl_eval") is None:
    pytest.skip(f"BFCL is not installed ({sim.INSTALL})", allow_module_level=True)

CASES = mt.load_multi_turn_cases("multi_turn_base")
BY_ID = {c.id: c for c in CASES}
GROUND_TRUTH_OFF_SCHEMA = {"multi_turn_base_173"}
"""Cases whose ground truth passes a value its own function doc forbids (``close_ticket(ticket_id='ticket_001')``
where the doc says integer): Ponder's validation refuses it, so it is sent unvalidated, as BFCL runs it."""


def _send(apis: mt.LiveApis, call: sim.Call, *, validate: bool = True) -> str:
    """Call a tool as an agent would: by its offered name, arguments validated against its schema."""
    index = next(i for i, o in enumerate(apis.offered) if o.bfcl_name == call.name)
    offered, tool = apis.offered[index], apis.tools[index]
    back = {v: k for k, v in offered.renames.items()}
    arguments = {back.get(k, k): v for k, v in call.arguments.items()}
    return str(tool.invoke(tool.validate(arguments) if validate else arguments))


def _play(case: mt.MultiTurnCase, turns: list[list[sim.Call]]) -> tuple[mt.LiveApis, list[str], set[str]]:
    apis = mt.LiveApis(case)
    outputs, unvalidated = [], set()
    for turn in turns:
        apis.start_turn()
        for call in turn:
            try:
                outputs.append(_send(apis, call))
            except ToolArgumentsError:
                unvalidated.add(case.id)
                outputs.append(_send(apis, call, validate=False))
    return apis, outputs, unvalidated


def _ground_truth(case: mt.MultiTurnCase) -> list[list[sim.Call]]:
    return mt.ground_truth_turns(case)


# -- the cases ---------------------------------------------------------------------------------------
def test_cases_load_with_their_turns_apis_and_every_function_of_those_apis() -> None:
    assert len(CASES) == 200
    case = CASES[0]
    assert (case.id, case.category, len(case.turns), len(case.ground_truth)) == ("multi_turn_base_0", "multi_turn_base", 4, 4)
    assert case.involved_classes == ["TwitterAPI", "GorillaFileSystem"]
    names = {f["name"] for f in case.functions}
    assert {"post_tweet", "mv", "grep", "cp"} <= names  # BFCL offers every function, 'excluded_function' too
    assert len(case.functions) == 14 + 18
    assert case.turn_prompt(1).startswith("Perform a detailed search using grep")
    assert case.ground_truth[0] == ["cd(folder='document')", "mkdir(dir_name='temp')", "mv(source='final_report.pdf', destination='temp')"]


def test_an_unknown_multi_turn_category_is_refused_with_the_ones_supported() -> None:
    with pytest.raises(InputError, match="multi_turn_base"):
        mt.load_multi_turn_cases("multi_turn_live")


# -- the live tools ----------------------------------------------------------------------------------
def test_the_tools_act_on_the_case_state_and_answer_with_bfcls_results() -> None:
    apis = mt.LiveApis(BY_ID["multi_turn_base_1"])
    tools = {t.name: t for t in apis.tools}
    apis.start_turn()
    assert tools["pwd"].invoke({}) == '{"current_working_directory": "/alex"}'
    assert tools["cd"].invoke(tools["cd"].validate({"folder": "workspace"})) == '{"current_working_directory": "workspace"}'
    tools["mkdir"].invoke(tools["mkdir"].validate({"dir_name": "reports"}))
    assert "reports" in tools["ls"].invoke({})
    assert tools["cd"].invoke({"folder": "nowhere"}) == '{"error": "cd: \'nowhere\': No such file or directory"}'
    assert tools["cd"].invoke({}) == "Error during execution: GorillaFileSystem.cd() missing 1 required positional argument: 'folder'"
    assert [c.name for c in apis.turns[0]] == ["pwd", "cd", "mkdir", "ls", "cd", "cd"]


def test_the_tools_describe_bfcl_functions_with_bfcls_python_hint() -> None:
    apis = mt.LiveApis(CASES[0])
    mv = next(t for t in apis.tools if t.name == "mv")
    assert mv.description.endswith("Note that the provided function is in Python 3 syntax.")
    with pytest.raises(ToolArgumentsError, match="'destination' is required"):
        mv.validate({"source": "a.txt"})


def test_each_case_gets_its_own_state() -> None:
    first, second = mt.LiveApis(BY_ID["multi_turn_base_1"]), mt.LiveApis(BY_ID["multi_turn_base_1"])
    first.start_turn()
    next(t for t in first.tools if t.name == "cd").invoke({"folder": "workspace"})
    assert next(t for t in second.tools if t.name == "pwd").invoke({}) == '{"current_working_directory": "/alex"}'


def test_calls_are_recorded_per_turn_as_the_source_bfcls_checker_replays() -> None:
    apis = mt.LiveApis(BY_ID["multi_turn_base_1"])
    tools = {t.name: t for t in apis.tools}
    apis.start_turn()
    tools["ls"].invoke({"a": True})
    apis.start_turn()
    apis.start_turn()
    tools["tail"].invoke({"file_name": "log.txt", "lines": 20})
    assert apis.decoded() == [[["ls(a=True)"]], [], [["tail(file_name='log.txt', lines=20)"]]]


# -- checked against BFCL ------------------------------------------------------------------------------
def test_every_cases_ground_truth_through_the_harness_passes_bfcls_checker_with_bfcls_own_results() -> None:
    failures, different, unvalidated = [], [], set()
    for case in CASES:
        apis, outputs, off_schema = _play(case, _ground_truth(case))
        unvalidated |= off_schema
        verdict = mt.grade(case, apis.turns)
        if not verdict.ok:
            failures.append((case.id, verdict.kind, verdict.detail))
        if outputs != sim.replay(case, [call for turn in case.ground_truth for call in turn]):
            different.append(case.id)
    assert failures == []
    assert different == []
    assert unvalidated == GROUND_TRUTH_OFF_SCHEMA


def _alterations(turns: list[list[sim.Call]]) -> list[tuple[str, list[list[sim.Call]]]]:
    """The ground truth with one change each: a turn's calls dropped, a string argument changed, a call repeated."""
    out = []
    last = max(i for i, t in enumerate(turns) if t)
    out.append(("drop last turn's calls", [t if i != last else [] for i, t in enumerate(turns)]))
    for i, turn in enumerate(turns):
        for j, call in enumerate(turn):
            key = next((k for k, v in call.arguments.items() if isinstance(v, str)), None)
            if key is not None:
                changed = sim.Call(call.name, {**call.arguments, key: call.arguments[key] + "_x"})
                out.append((f"change {call.name}.{key}", [t if k != i else [*t[:j], changed, *t[j + 1 :]] for k, t in enumerate(turns)]))
                return [*out, ("repeat", [t if k != i else [*t, *t] for k, t in enumerate(turns)])]
    return out


def test_altered_calls_through_the_harness_get_the_verdict_bfcls_checker_gives_them_directly() -> None:
    compared, failed, disagreements = 0, 0, []
    for case in CASES[::4]:
        for label, turns in _alterations(_ground_truth(case)):
            apis, _, _ = _play(case, turns)
            ours = mt.grade(case, apis.turns)
            written = [[[sim.source(c) for c in turn]] if turn else [] for turn in turns]
            theirs = sim.check(case, written, case.ground_truth)
            compared += 1
            failed += not ours.ok
            if ours.ok != bool(theirs.get("valid")):
                disagreements.append((case.id, label, ours.kind, theirs.get("error_type")))
    assert disagreements == []
    assert compared >= 140 and failed >= compared // 2


# -- failure kinds ---------------------------------------------------------------------------------------
def _made(*turns: list[tuple[str, dict[str, Any]]]) -> list[list[BfclCall]]:
    return [[BfclCall(name, args) for name, args in turn] for turn in turns]


CASE_1 = BY_ID["multi_turn_base_1"]  # ls(a=True) | cd workspace, mv log.txt archive | cd archive, grep | tail 20
RIGHT = [
    [("ls", {"a": True})],
    [("cd", {"folder": "workspace"}), ("mv", {"source": "log.txt", "destination": "archive"})],
    [("cd", {"folder": "archive"}), ("grep", {"file_name": "log.txt", "pattern": "Error"})],
    [("tail", {"file_name": "log.txt", "lines": 20})],
]


def test_the_right_calls_are_ok() -> None:
    assert mt.grade(CASE_1, _made(*RIGHT)) == mt.MultiTurnVerdict(True, "ok")


def test_a_call_that_leaves_another_state_is_wrong_state_at_its_turn() -> None:
    moved_elsewhere = [RIGHT[0], [RIGHT[1][0], ("mv", {"source": "log.txt", "destination": "old_logs"})], RIGHT[2], RIGHT[3]]
    verdict = mt.grade(CASE_1, _made(*moved_elsewhere))
    assert (verdict.ok, verdict.kind, verdict.turn) == (False, "wrong_state", 1)
    assert "destination='old_logs'" in verdict.detail and "state differs in root" in verdict.detail


def test_a_turn_without_calls_or_without_an_expected_result_is_missing_call() -> None:
    no_calls = mt.grade(CASE_1, _made(RIGHT[0], RIGHT[1], RIGHT[2], []))
    assert (no_calls.kind, no_calls.turn) == ("missing_call", 3)
    no_grep = mt.grade(CASE_1, _made(RIGHT[0], RIGHT[1], RIGHT[2][:1], RIGHT[3]))
    assert (no_grep.kind, no_grep.turn) == ("missing_call", 2)
    assert "expected results not produced" in no_grep.detail


def test_every_expected_call_and_more_that_change_the_state_is_extra_call() -> None:
    more = [RIGHT[0], [*RIGHT[1], ("touch", {"file_name": "notes.txt"})], RIGHT[2], RIGHT[3]]
    verdict = mt.grade(CASE_1, _made(*more))
    assert (verdict.kind, verdict.turn) == ("extra_call", 1)


def test_a_turn_without_calls_where_the_agent_could_not_read_one_is_format() -> None:
    verdict = mt.grade(CASE_1, _made(RIGHT[0], RIGHT[1], RIGHT[2], []), format_turns=[3])
    assert (verdict.kind, verdict.turn) == ("format", 3)


def test_grading_needs_every_turn() -> None:
    with pytest.raises(InputError, match="4 turns"):
        mt.grade(CASE_1, _made(*RIGHT[:2]))


# -- the adapter around BFCL's code -----------------------------------------------------------------------
def test_checks_leave_nothing_behind_in_bfcls_module() -> None:
    utils = sys.modules["bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils"]
    before = {k for k in vars(utils) if k.startswith("ponder_")}
    mt.grade(CASE_1, _made(*RIGHT))
    sim.replay(CASE_1, ["ls(a=True)"])
    assert {k for k in vars(utils) if k.startswith("ponder_")} == before == set()


def test_another_bfcl_version_is_refused_with_the_pinned_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    from ponder.errors import MissingDependency

    monkeypatch.setattr(metadata, "version", lambda name: "2099.1.1")
    with pytest.raises(MissingDependency) as caught:
        sim.new_instances(CASE_1)
    assert "2099.1.1" in str(caught.value) and caught.value.fix == sim.INSTALL


def test_ground_truth_calls_bind_positional_arguments_to_their_names() -> None:
    apis = mt.LiveApis(CASES[0])
    assert sim.parse("sort('final_report.pdf')", apis.instances) == sim.Call("sort", {"file_name": "final_report.pdf"})


def test_calls_are_written_as_literals_bfcls_eval_can_only_read_back() -> None:
    call = sim.Call("echo", {"content": "it's \")\nimport os", "n": float("nan"), "tags": ["a", {"b": None}]})
    assert sim.source(call) == "echo(content='it\\'s \")\\nimport os', n='nan', tags=['a', {'b': None}])"
    with pytest.raises(InputError):
        sim.source(sim.Call("os.system", {}))
