"""Tool signatures for the embedded model's prompt: every fact of the schema, fewer tokens than JSON."""

from __future__ import annotations

import json

from ponder.backends.tool_listing import ListedTool, listing_formatter, signature, type_name

DEPRECIATION = {
    "type": "function",
    "function": {
        "name": "property_depreciation",
        "description": "Depreciated value of a property.",
        "parameters": {
            "type": "object",
            "properties": {
                "initial_cost": {"type": "integer", "description": "What it cost."},
                "unit": {"type": "string", "enum": ["usd", "eur"], "description": "Currency."},
                "monthly": {"type": "boolean", "default": False, "description": "Monthly, not yearly."},
                "note": {"type": "string"},
            },
            "required": ["initial_cost", "unit"],
        },
    },
}

# The shape of Qwen2.5's template: tools through tojson in the system turn, call arguments through
# tojson in assistant turns.
TEMPLATE = (
    "{% if tools %}<tools>{% for tool in tools %}\n{{ tool | tojson }}{% endfor %}\n</tools>\n{% endif %}"
    "{% for m in messages %}{{ m.role }}: {{ m.content }}"
    "{% for call in m.tool_calls or [] %}<tool_call>{{ call.function.arguments | tojson }}</tool_call>{% endfor %}\n"
    "{% endfor %}"
)


def test_a_signature_names_every_parameter_with_its_type_default_and_description() -> None:
    text = signature(DEPRECIATION)
    head, *lines = text.splitlines()
    assert head == (
        'property_depreciation(initial_cost: integer, unit: "usd" | "eur", monthly: boolean = false, note?: string)'
        ": Depreciated value of a property."
    )
    assert lines == ["  initial_cost: What it cost.", "  unit: Currency.", "  monthly: Monthly, not yearly."]


def test_nested_types_are_spelled_out() -> None:
    assert type_name({"type": "array", "items": {"type": "integer"}}) == "array[integer]"
    assert type_name({"type": ["string", "null"]}) == "string | null"
    assert type_name({"anyOf": [{"type": "integer"}, {"type": "string"}]}) == "integer | string"
    point = {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x"]}
    assert type_name(point) == "{x: number, y?: number}"
    assert type_name({"type": "object"}) == "object"


def test_a_tool_without_parameters_still_reads_as_a_call() -> None:
    assert signature({"name": "now", "description": "The time.", "parameters": {}}) == "now(): The time."


def test_the_template_lists_tools_as_signatures_but_writes_call_arguments_as_json() -> None:
    formatter = listing_formatter(TEMPLATE, eos_token="</s>")
    arguments = {"initial_cost": 5, "unit": "usd"}
    messages = [
        {"role": "user", "content": "How much?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"type": "function", "function": {"name": "property_depreciation", "arguments": arguments}}],
        },
    ]
    listed = formatter(messages=messages, tools=[ListedTool(DEPRECIATION)]).prompt
    plain = formatter(messages=messages, tools=[DEPRECIATION]).prompt
    assert signature(DEPRECIATION) in listed
    assert '"properties"' not in listed
    assert f"<tool_call>{json.dumps(arguments)}</tool_call>" in listed
    assert json.dumps(DEPRECIATION) in plain  # a plain schema is written as the template asks
    assert len(listed) < len(plain)
