"""TextGuard: stop sequences and early stops applied to streamed text, for every backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ponder.backends.base import ModelRequest, TextGuard


def guard_stream(deltas: Iterable[str], request: ModelRequest) -> Iterator[str]:
    """Yield deltas until a stop sequence or ``stop_when`` says stop (the iterable is then closed)."""
    guard = TextGuard(request)
    iterator = iter(deltas)
    try:
        for delta in iterator:
            shown, done = guard.feed(delta)
            if shown:
                yield shown
            if done:
                break
        else:
            rest = guard.flush()
            if rest:
                yield rest
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()



def shown(deltas: list[str], **request: object) -> list[str]:
    return list(guard_stream(deltas, ModelRequest(messages=[], **request)))  # type: ignore[arg-type]


def test_a_stop_sequence_split_across_chunks_never_shows() -> None:
    out = shown(["The answer", " is 4<", "/tool", "_call> more"], stop=["</tool_call>"])
    assert "".join(out) == "The answer is 4"
    assert "<" not in "".join(out)


def test_text_that_only_looked_like_a_stop_is_released_at_the_end() -> None:
    assert "".join(shown(["a <", "b"], stop=["</tool_call>"])) == "a <b"
    assert "".join(shown(["ends with <"], stop=["</tool_call>"])) == "ends with <"


def test_stop_when_cuts_at_the_offset_it_returns() -> None:
    out = shown(['{"a": 1}', " and more"], stop_when=lambda text: text.find("}") + 1 or None)
    assert "".join(out) == '{"a": 1}'


def test_a_server_that_ignores_max_tokens_is_cut_at_32_characters_a_token() -> None:
    deltas = ["x" * 100] * 1000  # 100,000 characters for a request of 10 tokens
    out = shown(deltas, max_tokens=10)
    assert "".join(out) == "x" * 320
