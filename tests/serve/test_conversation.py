"""A request's messages as the agent's conversation."""

from __future__ import annotations

import pytest

from ponder.serve.conversation import read_messages
from ponder.serve.errors import ApiError
from ponder.serve.settings import ServeSettings

SETTINGS = ServeSettings(max_messages=5, max_message_chars=50)


def test_the_last_user_message_is_the_task_and_the_rest_the_history() -> None:
    conversation = read_messages(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Use metric units."},
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": [{"type": "text", "text": "c"}, {"type": "text", "text": "d"}]},
        ],
        SETTINGS,
    )
    assert conversation.task == "cd"
    assert [(m.role.value, m.content) for m in conversation.history] == [("user", "a"), ("assistant", "b")]
    assert conversation.system_extra == "Be brief.\n\nUse metric units."


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ([], "non-empty list"),
        ([{"role": "user", "content": "x"}] * 6, "too many messages"),
        ([{"role": "user", "content": "x" * 51}], "characters long"),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}], "only text parts"),
        ([{"role": "wizard", "content": "x"}], "role must be"),
        ([{"role": "user", "content": "   "}], "is empty"),
        ([{"role": "system", "content": "only a system prompt"}], "last message must be the user's"),
        (["just a string"], "must be an object"),
    ],
)
def test_a_bad_conversation_is_refused_naming_the_problem(messages: list[object], problem: str) -> None:
    with pytest.raises(ApiError) as caught:
        read_messages(messages, SETTINGS)
    assert caught.value.status == 400
    assert problem in caught.value.message
