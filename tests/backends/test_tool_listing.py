"""Tool signatures for the embedded model's prompt: every fact of the schema, fewer tokens than JSON."""

from __future__ import annotations

import json

from ponder.backends.local.tool_listing import ListedTool, listing_formatter
from ponder.tools.base import Tool
from ponder.tools.schema import type_label

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


def depreciation() -> Tool:
    return Tool.from_json_schema(DEPRECIATION, lambda **_: "ok")


def test_a_tool_is_described_by_its_signature_and_a_line_per_documented_parameter() -> None:
    head, *lines = depreciation().describe().splitlines()
    assert head == (
        'property_depreciation(initial_cost: integer, unit: "usd"|"eur", monthly: boolean = false, note?: string)'
        ": Depreciated value of a property."
    )
    assert lines == ["  initial_cost: What it cost.", "  unit: Currency.", "  monthly: Monthly, not yearly."]


def test_nested_objects_are_spelled_out() -> None:
    point = {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x"]}
    assert type_label(point) == "{x: number, y?: number}"
    assert type_label({"type": "array", "items": point}) == "array[{x: number, y?: number}]"
    assert type_label({"type": "object"}) == "object"


def test_a_tool_without_parameters_still_reads_as_a_call() -> None:
    now = Tool.from_json_schema({"name": "now", "description": "The time."}, lambda: "noon")
    assert now.describe() == "now(): The time."


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
    listed = formatter(messages=messages, tools=[ListedTool(depreciation())]).prompt
    plain = formatter(messages=messages, tools=[DEPRECIATION]).prompt
    assert depreciation().describe() in listed
    assert '"properties"' not in listed
    assert f"<tool_call>{json.dumps(arguments)}</tool_call>" in listed
    assert json.dumps(DEPRECIATION) in plain  # a plain schema is written as the template asks
    assert len(listed) < len(plain)
