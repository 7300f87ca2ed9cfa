"""Every training record is checked before it is written.

1. It round-trips through the ``openai`` SDK's types: each message validates as a
   ``ChatCompletionMessageParam`` and dumps back unchanged (no unknown or misspelt key, no wrong
   type), each tool as a ``ChatCompletionFunctionTool`` and each call as a
   ``ChatCompletionMessageFunctionToolCall`` whose arguments are a JSON object.
2. It renders through the model's own chat template, tools included, and nothing is lost on
   the way: every message's text and every call's tool name is in the rendered prompt, in order,
   and so is every offered tool's name (a template that drops tool results or tools fails here).
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from ponder.export.formats import Format, as_template_input, trl_to_openai

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from ponder.export.template import ChatTemplate


class RecordInvalid(ValueError):
    """A record that would not train: the message says what is wrong with it."""


@cache
def _adapter(kind: str) -> TypeAdapter[Any]:
    from openai.types.chat import ChatCompletionMessageFunctionToolCallParam, ChatCompletionMessageParam
    from pydantic import TypeAdapter

    return TypeAdapter(ChatCompletionMessageParam if kind == "message" else ChatCompletionMessageFunctionToolCallParam)


def _round_trip(kind: str, value: dict[str, Any], what: str) -> None:
    from pydantic import ValidationError

    adapter = _adapter(kind)
    try:
        back = adapter.dump_python(adapter.validate_python(value), mode="json", warnings=False)
    except ValidationError as exc:
        raise RecordInvalid(f"{what}: {_first_error(exc)}") from None
    if back != value:
        raise RecordInvalid(f"{what} does not survive the openai types: {_diff(value, back)}")


def check_openai_types(record: dict[str, Any], fmt: Format) -> None:
    """Raise ``RecordInvalid`` unless the record (as OpenAI's format) round-trips through the SDK's types."""
    from openai.types.chat import ChatCompletionFunctionTool, ChatCompletionMessageFunctionToolCall
    from pydantic import ValidationError

    openai_record = record if fmt == "openai" else trl_to_openai(record)
    for index, message in enumerate(openai_record["messages"]):
        what = f"message {index} ({message.get('role')})"
        calls = message.get("tool_calls")
        if calls is not None and message.get("role") != "assistant":
            raise RecordInvalid(f"{what} has tool_calls: only an assistant message may")
        # tool_calls is a lazily checked iterable in the SDK's types: each call is checked on its own
        _round_trip("message", {k: v for k, v in message.items() if k != "tool_calls"}, what)
        for call in calls or []:
            _round_trip("call", call, f"{what}, a tool call")
            parsed = ChatCompletionMessageFunctionToolCall.model_validate(call)
            try:
                arguments = json.loads(parsed.function.arguments)
            except ValueError:
                arguments = None
            if not isinstance(arguments, dict):
                raise RecordInvalid(f"{what}: the arguments of {parsed.function.name} are not a JSON object")
    for tool in openai_record.get("tools", []):
        try:
            parsed_tool = ChatCompletionFunctionTool.model_validate(tool)
        except ValidationError as exc:
            raise RecordInvalid(f"tool {tool.get('function', {}).get('name')}: {_first_error(exc)}") from None
        if parsed_tool.model_dump(exclude_unset=True) != tool:
            raise RecordInvalid(f"tool {parsed_tool.function.name} does not survive the openai types")
    roles = [m["role"] for m in openai_record["messages"]]
    if not roles or roles[-1] != "assistant" or "user" not in roles:
        raise RecordInvalid("a record needs a user message and must end with the assistant's answer")
    if not str(openai_record["messages"][-1].get("content") or "").strip():
        raise RecordInvalid("the answer is empty")


def check_template(record: dict[str, Any], fmt: Format, template: ChatTemplate) -> str:
    """Render the record with the model's chat template; raise ``RecordInvalid`` if it fails or drops anything."""
    data = as_template_input(record, fmt)
    try:
        rendered = template.render(data["messages"], data.get("tools"))
    except Exception as exc:  # jinja2 errors and the template's own raise_exception
        raise RecordInvalid(f"the chat template of {template.source} cannot render it: {type(exc).__name__}: {exc}") from None
    cursor = 0  # every message must appear, in order, after the one before it
    for index, message in enumerate(data["messages"]):
        text = (message.get("content") or "").strip()
        if text:
            found = rendered.find(text, cursor)
            if found < 0:
                raise RecordInvalid(f"the chat template drops message {index} ({message['role']}): {text[:60]!r}")
            cursor = found + len(text)
        for call in message.get("tool_calls") or []:
            found = rendered.find(f'"{call["function"]["name"]}"', cursor)
            if found < 0:
                raise RecordInvalid(f"the chat template drops the call to {call['function']['name']} in message {index}")
            cursor = found
    for tool in data.get("tools") or []:
        if tool["function"]["name"] not in rendered:
            raise RecordInvalid(f"the chat template leaves out the tool {tool['function']['name']}")
    return rendered


def _first_error(exc: Any) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}"


def _diff(original: dict[str, Any], back: dict[str, Any]) -> str:
    lost = sorted(set(original) - set(back))
    if lost:
        return f"key(s) {', '.join(lost)} are not part of a {original.get('role')} message"
    changed = sorted(k for k in original if original[k] != back.get(k))
    return f"key(s) {', '.join(changed)} change"
