"""BFCL's AST matcher for Python, reimplemented.

A faithful copy of the rules in ``bfcl_eval/eval_checker/ast_eval/ast_checker.py``
(bfcl-eval 2026.3.23), Python language only. It is reimplemented rather than imported
because importing ``bfcl_eval``'s modules pulls its heavy dependencies (torch and more).
Each function below names the BFCL function it mirrors; quirks are kept on purpose (for
example the nested type check that a list-typed possible answer always lets through), so
that a score here means what it means on the leaderboard.

A model output is ``{function_name: {param: value}}``; a possible answer maps each
parameter to the list of acceptable values, where ``""`` means "may be omitted".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

# Mirrors PYTHON_TYPE_MAPPING. Unknown names count as strings, as 'any' does.
PYTHON_TYPE_MAPPING: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
# Mirrors PYTHON_NESTED_TYPE_CHECK_LIST: the types whose items are checked too.
PYTHON_NESTED_TYPE_CHECK_LIST = ("array", "tuple")

Possible = Sequence[Any]
"""The acceptable values of one parameter."""


@dataclass
class Check:
    """One checker's verdict, shaped like BFCL's ``{"valid", "error", "error_type"}`` dicts."""

    valid: bool
    error: list[str] = field(default_factory=list)
    error_type: str = ""
    is_variable: bool = False


_OK = Check(True)


def _python_type(name: str) -> type:
    return PYTHON_TYPE_MAPPING.get(name, str)


def get_possible_answer_type(possible_answer: Possible) -> type | None:
    """Mirrors ``get_possible_answer_type``: the type of the first non-optional answer."""
    for answer in possible_answer:
        if answer != "":
            return type(answer)
    return None


def standardize_string(input_string: str) -> str:
    """Mirrors ``standardize_string``: drop spaces and ``,./-_*^``, lowercase, ' -> "."""
    return re.sub(r"[ \,\.\/\-\_\*\^]", "", input_string).lower().replace("'", '"')


def type_checker(
    param: str,
    value: Any,
    possible_answer: Possible,
    expected_type_description: str,
    expected_type_converted: type,
    nested_type_converted: type | None,
) -> Check:
    """Mirrors ``type_checker``, including its 'variable' rule.

    When the possible answers are of another type than the declared one (BFCL writes
    variable names as strings), a value of the answers' type is accepted and later
    compared exactly, without string normalisation.
    """
    is_variable = False
    possible_answer_type = get_possible_answer_type(possible_answer)
    if possible_answer_type is not None and possible_answer_type is not expected_type_converted:
        is_variable = True

    if type(value) is expected_type_converted:
        if nested_type_converted is None:
            return Check(True, is_variable=is_variable)
        for possible_answer_item in possible_answer:
            flag = True  # each value item must type-check against this acceptable list
            if type(possible_answer_item) is list:
                for value_item in cast(list[Any], value):
                    nested = type_checker(
                        param,
                        value_item,
                        possible_answer_item,
                        nested_type_converted.__name__,
                        nested_type_converted,
                        None,
                    )
                    if not nested.valid:
                        flag = False
                        break
            if flag:
                return Check(True, is_variable=is_variable)
        # BFCL falls through to the variable rule below here, as does this copy.

    if possible_answer_type is not None and type(value) is possible_answer_type:
        return Check(True, is_variable=True)

    return Check(
        False,
        [
            f"Incorrect type for parameter {param!r}. Expected type {expected_type_description}, "
            f"got {type(value).__name__}. Parameter value: {value!r}."
        ],
        "type_error:simple",
    )


def string_checker(param: str, model_output: str, possible_answer: Possible) -> Check:
    """Mirrors ``string_checker``: compare after ``standardize_string`` on both sides."""
    standardized = [standardize_string(a) for a in possible_answer if type(a) is str]
    if standardize_string(model_output) not in standardized:
        return Check(
            False,
            [
                f"Invalid value for parameter {param!r}: {model_output!r}. Expected one of {list(possible_answer)}. Case insensitive."
            ],
            "value_error:string",
        )
    return _OK


def _standardize_items(items: Sequence[Any]) -> list[Any]:
    return [standardize_string(x) if type(x) is str else x for x in items]


def list_checker(param: str, model_output: Sequence[Any], possible_answer: Possible) -> Check:
    """Mirrors ``list_checker``: string items standardised, order matters, compared whole."""
    standardized_output = _standardize_items(list(model_output))
    standardized_answers = [_standardize_items(a) for a in possible_answer]
    if standardized_output not in standardized_answers:
        return Check(
            False,
            [
                f"Invalid value for parameter {param!r}: {model_output!r}. Expected one of {list(possible_answer)}."
            ],
            "value_error:list/tuple",
        )
    return _OK


def dict_checker(param: str, model_output: Mapping[str, Any], possible_answers: Possible) -> Check:
    """Mirrors ``dict_checker``: one level deep; keys known, string values standardised."""
    result = Check(False, [], "dict_checker:unclear")
    for possible_answer in possible_answers:
        if possible_answer == "":
            continue
        result = Check(False, [], "dict_checker:unclear")
        flag = True
        for key, value in model_output.items():
            if key not in possible_answer:
                result = Check(False, [f"Unexpected dict key parameter: '{key}'."], "value_error:dict_key")
                flag = False
                break
            standardized_value = standardize_string(value) if type(value) is str else value
            standardized_answer = _standardize_items(possible_answer[key])
            if standardized_value not in standardized_answer:
                result = Check(
                    False,
                    [
                        f"Invalid value for parameter {key!r}: {value!r}. Expected one of {standardized_answer}."
                    ],
                    "value_error:dict_value",
                )
                flag = False
                break
        for key, value in possible_answer.items():
            if key not in model_output and "" not in value:
                result = Check(False, [f"Missing dict key parameter: '{key}'."], "value_error:dict_key")
                flag = False
                break
        if flag:
            return _OK
    return result


def list_dict_checker(param: str, model_output: Sequence[Any], possible_answers: Possible) -> Check:
    """Mirrors ``list_dict_checker``: a list of dicts, in order, against each acceptable list."""
    result = Check(False, [], "list_dict_checker:unclear")
    for answer in possible_answers:
        flag = True
        if len(model_output) != len(answer):
            result = Check(
                False, ["Wrong number of dictionaries in the list."], "value_error:list_dict_count"
            )
            continue
        for index, item in enumerate(model_output):
            result = dict_checker(param, item, [answer[index]])
            if not result.valid:
                flag = False
                break
        if flag:
            return _OK
    return result


def simple_function_checker(
    func_description: Mapping[str, Any], model_output: Mapping[str, Any], possible_answer: Mapping[str, Any]
) -> Check:
    """Mirrors ``simple_function_checker`` (language Python; names already in BFCL's spelling).

    ``possible_answer`` is one ground-truth entry ``{name: {param: [acceptable values]}}``.
    """
    answers: Mapping[str, Possible] = next(iter(possible_answer.values()))
    func_name = func_description["name"]
    param_details: Mapping[str, Any] = func_description["parameters"]["properties"]
    required_params: Sequence[str] = func_description["parameters"].get("required", [])

    if func_name not in model_output:
        return Check(
            False,
            [f"Function name {func_name!r} not found in model output."],
            "simple_function_checker:wrong_func_name",
        )
    model_params: Mapping[str, Any] = model_output[func_name]

    for param in required_params:
        if param not in model_params:
            return Check(
                False, [f"Missing required parameter: {param!r}."], "simple_function_checker:missing_required"
            )

    for param, raw_value in model_params.items():
        if param not in param_details or param not in answers:
            return Check(
                False, [f"Unexpected parameter: {param!r}."], "simple_function_checker:unexpected_param"
            )
        value = raw_value
        expected_type_description: str = param_details[param].get("type", "any")
        expected_type_converted = _python_type(expected_type_description)
        nested_type_converted: type | None = None
        if expected_type_description in PYTHON_NESTED_TYPE_CHECK_LIST:
            nested_type_converted = _python_type(param_details[param].get("items", {}).get("type", "any"))

        # BFCL turns tuples into lists (the answers went through JSON) and accepts an int for a float.
        if expected_type_description == "tuple" and type(value) is tuple:
            value = list(value)
        if expected_type_description == "float" and type(value) is int:
            value = float(value)

        typed = type_checker(
            param,
            value,
            answers[param],
            expected_type_description,
            expected_type_converted,
            nested_type_converted,
        )
        if not typed.valid:
            return typed

        if not typed.is_variable:
            if expected_type_converted is dict:
                checked = dict_checker(param, value, answers[param])
            elif expected_type_converted is list and nested_type_converted is dict:
                checked = list_dict_checker(param, value, answers[param])
            elif expected_type_converted is str:
                checked = string_checker(param, value, answers[param])
            elif expected_type_converted is list:
                checked = list_checker(param, value, answers[param])
            else:
                checked = None
            if checked is not None:
                if not checked.valid:
                    return checked
                continue

        if value not in answers[param]:
            return Check(
                False,
                [
                    f"Invalid value for parameter {param!r}: {value!r}. Expected one of {list(answers[param])}."
                ],
                "value_error:others",
            )

    for param in answers:
        if param not in model_params and "" not in answers[param]:
            return Check(
                False,
                [f"Optional parameter {param!r} not provided and not marked as optional."],
                "simple_function_checker:missing_optional",
            )
    return _OK


def find_description(func_descriptions: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    """Mirrors ``find_description``."""
    return next((d for d in func_descriptions if d["name"] == name), None)


def parallel_function_checker_no_order(
    func_descriptions: Sequence[Mapping[str, Any]],
    model_output: Sequence[Mapping[str, Any]],
    possible_answers: Sequence[Mapping[str, Any]],
) -> Check:
    """Mirrors ``parallel_function_checker_no_order``: every expected call matched once, any order."""
    if len(model_output) != len(possible_answers):
        return Check(False, ["Wrong number of functions."], "parallel_function_checker_no_order:wrong_count")
    matched: list[int] = []
    for i, answer in enumerate(possible_answers):
        expected_name = next(iter(answer))
        description = find_description(func_descriptions, expected_name)
        if description is None:
            raise ValueError(f"ground truth names {expected_name!r}, which the case does not define")
        errors: list[str] = []
        found = False
        for index, output in enumerate(model_output):
            if index in matched:
                continue
            result = simple_function_checker(description, output, answer)
            if result.valid:
                matched.append(index)
                found = True
                break
            errors.append(f"call {index}: {'; '.join(result.error)}")
        if not found:
            left = [j for j in range(len(model_output)) if j not in matched]
            return Check(
                False,
                [
                    f"Could not find a matching function among index {left} of model output for index {i} of possible answers.",
                    *errors,
                ],
                "parallel_function_checker_no_order:cannot_find_match",
            )
    return _OK
