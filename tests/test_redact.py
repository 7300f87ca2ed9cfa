"""ponder.redact: the environment's secrets and well-known key shapes never survive, whole or streamed."""

from __future__ import annotations

import pytest

from ponder.backends.base import ModelRequest
from ponder.redact import REDACTED, Redactor, env_secrets, redact, redact_data
from tests.backends.test_text_guard import guard_stream

KEY = "sk-planted-0123456789abcdefXYZ"


def test_secret_looking_variables_are_hidden_wherever_they_appear() -> None:
    env = {"OPENAI_API_KEY": KEY, "GITHUB_TOKEN": "tok_9f8e7d6c5b", "DB_PASSWORD": "correct horse battery", "HOME": "/root"}
    text = f"key={KEY}; token tok_9f8e7d6c5b; pw 'correct horse battery'; home /root"
    assert redact(text, env) == f"key={REDACTED}; token {REDACTED}; pw '{REDACTED}'; home /root"


def test_short_values_and_other_variables_are_left_alone() -> None:
    assert env_secrets({"TOKENIZERS_PARALLELISM": "false", "API_KEY": "short", "PATH": "/usr/bin:/bin"}) == ()


@pytest.mark.parametrize(
    "text, shown",
    [
        ("Authorization: Bearer abc123def456ghi", f"Authorization: Bearer {REDACTED}"),
        ("use sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t", f"use {REDACTED}"),
        ("ghp_" + "A1b2C3d4E5f6" * 3, REDACTED),
        ("id AKIAIOSFODNN7EXAMPLE here", f"id {REDACTED} here"),
        ("xoxb-1234567890-abcdefghij", REDACTED),
        ("hf_" + "a1B2c3D4e5" * 3, REDACTED),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", f"jwt {REDACTED}"),
        ('{"api_key": "live_1234abcd5678"}', f'{{"api_key": "{REDACTED}"}}'),
        ("password=hunter2hunter2", f"password={REDACTED}"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nok", f"-----BEGIN RSA PRIVATE KEY-----{REDACTED}\nok"),
    ],
)
def test_well_known_key_shapes_are_hidden_without_being_in_the_environment(text: str, shown: str) -> None:
    assert redact(text, {}) == shown


@pytest.mark.parametrize(
    "text",
    ["scikit-learn and sk-learn-compatible-estimators", "bearer instruments", "the password is weak", "sk-1", "Tokens: 42"],
)
def test_ordinary_text_that_resembles_a_key_is_left_alone(text: str) -> None:
    assert redact(text, {}) == text


def test_data_structures_are_redacted_throughout() -> None:
    value = {"out": [f"x {KEY}", ("y", KEY)], KEY: 3, "n": 1}
    assert redact_data(value, Redactor([KEY])) == {"out": [f"x {REDACTED}", ("y", REDACTED)], REDACTED: 3, "n": 1}


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_a_secret_streamed_in_pieces_never_shows_even_in_part(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    text = f"Here: {KEY} and Bearer tok9876543210 and sk-live-{'7' * 24} end."
    deltas = [text[i : i + size] for i in range(0, len(text), size)]
    shown = list(guard_stream(deltas, ModelRequest(messages=[])))
    joined = "".join(shown)
    assert joined == f"Here: {REDACTED} and Bearer {REDACTED} and {REDACTED} end."
    for fragment in (KEY[:10], KEY[-10:], "tok98765", "7777777"):
        assert not any(fragment in piece for piece in shown)


def test_a_token_announced_in_an_earlier_piece_is_still_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Use the header Authorization: Bearer abcdef0123456789 now; password = hunter2hunter2 too."
    for size in (1, 2, 4, 7):
        deltas = [text[i : i + size] for i in range(0, len(text), size)]
        shown = list(guard_stream(deltas, ModelRequest(messages=[])))
        assert "".join(shown) == f"Use the header Authorization: Bearer {REDACTED} now; password = {REDACTED} too."
