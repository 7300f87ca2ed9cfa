"""BFCL's stateful API simulations and its multi-turn checker, used as they ship in ``bfcl-eval``.

The only Ponder module that runs ``bfcl_eval``'s Python code (everything else reads its JSON).
What it uses is pure Python and offline: the API classes under
``bfcl_eval/eval_checker/multi_turn_eval/func_source_code`` (a file system, a Twitter-like
API, a trading bot... each an in-memory object loaded from a case's ``initial_config``) and
``multi_turn_checker``. Two details of theirs are relied on, so the version is pinned and
checked here, in one place:

- the checker replays calls written as Python source (``cd(folder='docs')``) with ``eval`` on
  instances it keeps in its module's globals, named after the model and the case. Each check
  here gets a model name of its own and removes its instances afterwards, so checks never see
  each other's state (and nothing accumulates over a long benchmark);
- an API class is loaded with its private ``_load_scenario(config, long_context=...)``, as
  BFCL's own inference does.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import itertools
import json
import math
import threading
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, NamedTuple, Protocol

from ponder.errors import InputError, MissingDependency

PINNED = "2026.3.23"
INSTALL = f"pip install --no-deps bfcl-eval=={PINNED}"


class MultiTurnEntry(Protocol):
    """What the checker needs of a case (``MultiTurnCase`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def involved_classes(self) -> list[str]: ...
    @property
    def initial_config(self) -> dict[str, Any]: ...
    @property
    def long_context(self) -> bool: ...


class Call(NamedTuple):
    """A call as a name and keyword arguments (positional ones bound to their parameter names)."""

    name: str
    arguments: dict[str, Any]


_checked = itertools.count()
_lock = threading.Lock()


def _bfcl(module: str) -> ModuleType:
    from importlib import metadata

    try:
        version = metadata.version("bfcl-eval")
    except metadata.PackageNotFoundError:
        raise MissingDependency("BFCL's multi-turn simulations are not installed", fix=INSTALL) from None
    if version != PINNED:
        raise MissingDependency(
            f"bfcl-eval {version} is installed; Ponder's multi-turn harness is checked against {PINNED}",
            fix=INSTALL,
        )
    return importlib.import_module(f"bfcl_eval.{module}")


def _config() -> ModuleType:
    return _bfcl("constants.executable_backend_config")


def doc_file(class_name: str) -> str:
    """The file under ``data/multi_turn_func_doc`` that documents an API class's functions."""
    mapping: dict[str, str] = _config().MULTI_TURN_FUNC_DOC_FILE_MAPPING
    if class_name not in mapping:
        raise InputError(f"BFCL names an unknown API class {class_name!r}", fix=INSTALL)
    return mapping[class_name]


def new_instances(entry: MultiTurnEntry) -> dict[str, Any]:
    """The case's API classes, freshly loaded from its ``initial_config`` (BFCL's own set-up, without its globals)."""
    config = _config()
    instances: dict[str, Any] = {}
    for class_name in entry.involved_classes:
        module = importlib.import_module(config.CLASS_FILE_PATH_MAPPING[class_name])
        instance = getattr(module, class_name)()
        if class_name not in config.STATELESS_CLASSES:
            scenario = copy.deepcopy(entry.initial_config.get(class_name, {}))
            instance._load_scenario(scenario, long_context=entry.long_context)
        instances[class_name] = instance
    return instances


def execute(instance: Any, call: Call) -> str:
    """Run one call on a live instance and return what BFCL would show the model.

    Mirrors ``execute_multi_turn_func_call``: a string as it is, a dict as JSON (``str`` if it
    is not serialisable), anything else through ``str``, an exception as
    ``Error during execution: <message>``.
    """
    try:
        result = getattr(instance, call.name)(**call.arguments)
    except Exception as exc:  # the simulation's own error is the model's observation, as in BFCL
        return f"Error during execution: {exc}"
    if type(result) is str:
        return result
    if type(result) is dict:
        try:
            return json.dumps(result)
        except Exception:  # an object inside: BFCL falls back to str as well
            return str(result)
    return str(result)


def source(call: Call) -> str:
    """The call as the Python source BFCL's checker replays: ``mv(source='a.txt', destination='b')``.

    BFCL's checker runs it with ``eval``: the name is a function the case's tools offered and
    every value is written as a Python literal (anything else as the literal of its ``str``).
    """
    if not call.name.isidentifier():
        raise InputError(f"{call.name!r} is not a BFCL function name")
    return f"{call.name}({', '.join(f'{k}={_literal(v)}' for k, v in call.arguments.items())})"


def _literal(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(str(value))  # nan and inf have no literal
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_literal(str(k))}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(str(value))


def parse(text: str, instances: Mapping[str, Any]) -> Call:
    """A ground-truth call string (``sort('report.txt')``) as a ``Call`` with named arguments."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise InputError(f"BFCL call {text!r} is not Python ({exc.msg})", fix=INSTALL) from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise InputError(f"BFCL call {text!r} is not a plain function call", fix=INSTALL)
    name = node.func.id
    args = [ast.literal_eval(a) for a in node.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    method = owner_method(instances, name)
    bound = inspect.signature(method).bind(*args, **kwargs)
    return Call(name, dict(bound.arguments))


def normalised(call: Call, instances: Mapping[str, Any]) -> tuple[str, str]:
    """A comparable form of a call: every parameter bound, defaults filled in."""
    method = owner_method(instances, call.name)
    try:
        bound = inspect.signature(method).bind(**call.arguments)
    except TypeError:
        return call.name, repr(sorted(call.arguments.items()))
    bound.apply_defaults()
    return call.name, repr(sorted(bound.arguments.items()))


def owner_method(instances: Mapping[str, Any], name: str) -> Any:
    for instance in instances.values():
        method = getattr(instance, name, None)
        if method is not None and not name.startswith("_") and inspect.ismethod(method):
            return method
    raise InputError(f"no API class of this case has a function {name!r}")


def check(entry: MultiTurnEntry, decoded: Sequence[Sequence[Sequence[str]]], ground_truth: Sequence[Sequence[str]]) -> dict[str, Any]:
    """BFCL's ``multi_turn_checker`` verdict: ``{"valid": bool, "error_type", "error_message", "details"...}``.

    ``decoded`` holds, per turn, per step, the calls as Python source; ``ground_truth`` the
    expected calls per turn (a prefix of the case's turns checks the first turns only).
    """
    checker = _bfcl("eval_checker.multi_turn_eval.multi_turn_checker")
    utils = _bfcl("eval_checker.multi_turn_eval.multi_turn_utils")
    with _lock:
        model = f"ponder_check_{next(_checked)}"
    test_entry = {"id": entry.id, "initial_config": entry.initial_config, "involved_classes": entry.involved_classes}
    try:
        result: dict[str, Any] = checker.multi_turn_checker(
            [[list(step) for step in turn] for turn in decoded],
            [list(turn) for turn in ground_truth],
            test_entry,
            entry.id.rsplit("_", 1)[0],
            model,
        )
    finally:
        _forget(utils, model)
    return result


def replay(entry: MultiTurnEntry, calls: Sequence[str]) -> list[str]:
    """BFCL's own execution of call strings on fresh instances (what the checker compares against)."""
    utils = _bfcl("eval_checker.multi_turn_eval.multi_turn_utils")
    with _lock:
        model = f"ponder_replay_{next(_checked)}"
    try:
        results, _ = utils.execute_multi_turn_func_call(
            list(calls), entry.initial_config, entry.involved_classes, model, entry.id, long_context=entry.long_context
        )
    finally:
        _forget(utils, model)
    return list(results)


def _forget(utils: ModuleType, model: str) -> None:
    """Drop the instances BFCL kept for ``model`` (named ``<model>_..._instance``)."""
    for key in [k for k in vars(utils) if k.startswith(f"{model}_")]:
        delattr(utils, key)
