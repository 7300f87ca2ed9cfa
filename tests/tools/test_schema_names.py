"""Parameter names that cannot be Python field names still work, under their own names."""

from __future__ import annotations

import pytest

from ponder.errors import ToolArgumentsError
from ponder.tools.base import Tool


def test_leading_underscore_keyword_and_reserved_names_validate_and_reach_the_function() -> None:
    spec = {
        "name": "route",
        "parameters": {
            "type": "dict",
            "properties": {"_from": {"type": "string"}, "class": {"type": "string"}, "schema": {"type": "integer"}},
            "required": ["_from"],
        },
    }
    tool = Tool.from_json_schema(spec, fn=lambda **kwargs: kwargs)
    args = tool.validate({"_from": "Paris", "class": "economy", "schema": "3"})
    assert args == {"_from": "Paris", "class": "economy", "schema": 3}
    assert tool.invoke(args) == args


def test_the_safe_field_name_is_not_accepted_in_place_of_the_real_one() -> None:
    spec = {"name": "route", "parameters": {"type": "object", "properties": {"_from": {"type": "string"}}, "required": ["_from"]}}
    tool = Tool.from_json_schema(spec, fn=lambda **kwargs: kwargs)
    with pytest.raises(ToolArgumentsError, match="_from"):
        tool.validate({"param_0": "Paris"})
