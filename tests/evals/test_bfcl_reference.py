"""Ponder's BFCL matcher against BFCL's own checker, on the real data and many altered calls.

BFCL's ``ast_checker.py`` is loaded from the installed package with its one heavy import
(the model table, which pulls every vendor SDK) replaced by a stub; its rules are untouched.
Every real simple/multiple/parallel case is graded with the right call and with altered ones
(other acceptable values, dropped and unknown parameters, changed values and types, another
function, reordered or missing parallel calls); both matchers must give the same verdict and
the same BFCL error type.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from ponder.evals import bfcl, bfcl_ast


def _reference() -> types.ModuleType:
    try:
        spec = importlib.util.find_spec("bfcl_eval.eval_checker.ast_eval.ast_checker")
    except ModuleNotFoundError:
        spec = None
    if spec is None or spec.loader is None:
        pytest.skip(f"bfcl-eval is not installed ({bfcl.INSTALL})", allow_module_level=True)
    stub = types.ModuleType("bfcl_eval.constants.model_config")

    class _Config:
        underscore_to_dot = False

    stub.MODEL_CONFIG_MAPPING = {"ponder": _Config()}  # type: ignore[attr-defined]
    saved = sys.modules.get(stub.__name__)
    sys.modules[stub.__name__] = stub
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            sys.modules.pop(stub.__name__, None)
        else:
            sys.modules[stub.__name__] = saved
    return module


REF = _reference()
PYTHON = sys.modules["bfcl_eval.constants.enums"].Language.PYTHON


def _variants(value: Any, kind: str) -> Iterator[Any]:
    """Values near ``value``: some BFCL accepts (case, punctuation, int for float), most it must not."""
    if isinstance(value, bool):
        yield not value
        yield str(value)
    elif isinstance(value, int):
        yield value + 1
        yield float(value)
        yield str(value)
    elif isinstance(value, float):
        yield value + 0.5
        if value.is_integer():
            yield int(value)
        yield str(value)
    elif isinstance(value, str):
        yield value.upper()
        yield f" {value}."
        yield value + " extra"
        yield 7
    elif isinstance(value, list):
        yield list(reversed(value))
        yield value[:-1]
        yield [x.upper() if isinstance(x, str) else x for x in value]
        yield tuple(value)
        yield "not a list"
    elif isinstance(value, dict):
        for key in value:
            changed = dict(value)
            changed[key] = "zzz"
            yield changed
            dropped = dict(value)
            del dropped[key]
            yield dropped
        yield {**value, "unknown_key": 1}
    if kind == "float" and isinstance(value, float) and value.is_integer():
        yield int(value)


def _outputs(case: bfcl.BfclCase) -> Iterator[list[dict[str, Any]]]:
    base = [{c.name: c.arguments} for c in bfcl.ground_truth_calls(case)]
    yield base
    for index, answer in enumerate(case.ground_truth):
        ((name, params),) = answer.items()
        description = bfcl_ast.find_description(case.functions, name)
        assert description is not None
        properties = description["parameters"]["properties"]
        for param, acceptable in params.items():
            kind = properties.get(param, {}).get("type", "any")
            for alternative in acceptable[1:]:
                yield _with(base, index, name, param, alternative)
            current = base[index][name].get(param)
            if current is not None:
                for variant in _variants(current, kind):
                    yield _with(base, index, name, param, variant)
                dropped = copy.deepcopy(base)
                del dropped[index][name][param]
                yield dropped
        extra = copy.deepcopy(base)
        extra[index][name]["not_a_parameter"] = 1
        yield extra
        for other in case.functions:
            if other["name"] != name:
                renamed = copy.deepcopy(base)
                renamed[index] = {other["name"]: base[index][name]}
                yield renamed
    if len(base) > 1:
        yield list(reversed(base))
        yield base[:-1]
    yield base + base[:1]


def _with(base: list[dict[str, Any]], index: int, name: str, param: str, value: Any) -> list[dict[str, Any]]:
    changed = copy.deepcopy(base)
    changed[index][name][param] = value
    return changed


def _ours(case: bfcl.BfclCase, output: list[dict[str, Any]]) -> bfcl_ast.Check:
    if case.parallel:
        return bfcl_ast.parallel_function_checker_no_order(case.functions, output, case.ground_truth)
    if "multiple" not in case.category and len(output) != 1:
        return bfcl_ast.Check(False, [], "simple_function_checker:wrong_count")
    if len(output) != len(case.ground_truth):
        return bfcl_ast.Check(False, [], "multiple_function_checker:wrong_count")
    description = bfcl_ast.find_description(case.functions, next(iter(case.ground_truth[0])))
    assert description is not None
    return bfcl_ast.simple_function_checker(description, output[0], case.ground_truth[0])


@pytest.mark.parametrize("category", ["simple_python", "multiple", "parallel", "parallel_multiple"])
def test_matcher_agrees_with_bfcl_on_every_case_and_many_altered_calls(category: str) -> None:
    compared = 0
    disagreements = []
    for case in bfcl.load_cases(category):
        for output in _outputs(case):
            theirs = REF.ast_checker(
                case.functions, copy.deepcopy(output), case.ground_truth, PYTHON, category, "ponder"
            )
            ours = _ours(case, copy.deepcopy(output))
            compared += 1
            same = ours.valid == theirs["valid"] and (ours.valid or ours.error_type == theirs["error_type"])
            if not same:
                disagreements.append(
                    (case.id, output, theirs["valid"], theirs.get("error_type"), ours.error_type)
                )
    assert compared > 2000
    assert disagreements[:5] == []
