"""Defining a tool: schema from type hints and docstring, undocumented parameters refused, arguments validated."""

from __future__ import annotations

import pytest

from ponder.errors import ToolArgumentsError, ToolDefinitionError
from ponder.tools.base import Tool, tool


def test_schema_comes_from_type_hints_and_docstring() -> None:
    @tool
    def convert(amount: float, currency: str = "EUR") -> str:
        """Convert an amount of money.

        Args:
            amount: how much money
            currency: the ISO code to convert to
        """
        return f"{amount} {currency}"

    assert convert.name == "convert"
    assert convert.description == "Convert an amount of money."
    assert convert.parameters["required"] == ["amount"]
    assert convert.parameters["properties"]["amount"] == {"type": "number", "description": "how much money"}
    assert convert.signature() == 'convert(amount: number, currency: string = "EUR")'
    assert convert.opt_in is False and convert.needs_approval is False


def test_the_signature_shows_enum_values_item_types_defaults_and_what_is_optional() -> None:
    weather = Tool.from_json_schema(
        {
            "name": "weather",
            "description": "Weather for some cities.",
            "parameters": {
                "type": "object",
                "properties": {
                    "cities": {"type": "array", "items": {"type": "string"}, "description": "city names"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
                    "days": {"type": "integer", "description": "how many days ahead"},
                },
                "required": ["cities"],
            },
        },
        fn=lambda **kwargs: kwargs,
    )

    assert weather.signature() == (
        'weather(cities: array[string], unit: "celsius"|"fahrenheit" = "celsius", days?: integer)'
    )


def test_an_undocumented_parameter_is_refused_with_a_message_naming_it_and_the_fix() -> None:
    def lookup(city: str, units: str) -> str:
        """Weather for a city.

        Args:
            city: the city's name
        """
        return city

    with pytest.raises(ToolDefinitionError) as info:
        tool(lookup)
    assert "parameter 'units' is not documented" in info.value.message
    assert "units: <what it is>" in info.value.fix


def test_a_parameter_without_a_type_hint_is_refused() -> None:
    def lookup(city):  # type: ignore[no-untyped-def]
        """Weather.

        Args:
            city: the city's name
        """

    with pytest.raises(ToolDefinitionError, match="'city' has no type hint"):
        Tool.from_function(lookup)


def test_decorator_options_set_approval_opt_in_and_timeout() -> None:
    @tool(name="rm", needs_approval=True, opt_in=True, timeout=3)
    def remove(path: str) -> str:
        """Remove a file.

        Args:
            path: the file
        """
        return path

    assert (remove.name, remove.needs_approval, remove.opt_in, remove.timeout) == ("rm", True, True, 3)


def test_bad_arguments_become_a_message_for_the_model() -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add.

        Args:
            a: first
            b: second
        """
        return a + b

    assert add.validate({"a": "2", "b": 3}) == {"a": 2, "b": 3}
    with pytest.raises(ToolArgumentsError) as info:
        add.validate({"a": "two", "c": 1})
    text = info.value.observation
    assert "'c' is not a parameter of add" in text and "'b' is required" in text
    assert "Expected add(a: integer, b: integer)" in text

