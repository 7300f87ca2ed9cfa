"""Arguments nobody gave: a call whose values appear nowhere in the conversation.

Offered a tool that does not fit the request, a small model often calls it anyway and makes up
every value ("the definite integral of x^2" becomes ``CalculateTax(annual_income=10000, ...)``).
``ungrounded_values`` finds such a call: it has values worth checking (numbers, names and
short strings; not enum choices, booleans, small counts or text the model writes, like code) and
none of them is in the conversation's text. The loop then asks once, before anything runs,
whether a tool fits at all; a model that still means the call makes it again and it runs. A
request written mostly in another script than Latin (Chinese, Cyrillic) is not questioned: the
call's values are then translations (``written_in_another_script``).

``without_made_up_options`` applies the same test to each optional argument on its own: an
optional value the model filled in although nobody gave it ("unit": "fahrenheit", "country":
"France" for a question that named neither) is left out, so the tool uses its own default rather
than the model's guess. Kept: enum choices, booleans and small counts (often rightly implied),
and dates whose day and month the conversation gives in any form ("March 3rd" for 2026-03-03).
A choice the parameter's documentation offers in words ("'push' or 'email'") is a guess like any
other when nobody asked for it. A call none of whose values comes from the conversation (a
request in another language, translated) is left whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.agents.documented_formats import read_date

# Parameters that carry text the model composes (code, a query, a message): never checked.
_COMPOSED = re.compile(r"code|script|command|expr|formula|query|sql|text|content|message|prompt|body|task", re.IGNORECASE)
_NUMBER = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)(?:\s*(thousand|million|billion|trillion)\b)?")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_SUFFIX = re.compile(r"(?:es|s|ed|ing)$")
_MONTH_NAMES = (
    ("jan", "janv", "ene", "gen", "1月"), ("feb", "fév", "févr", "2月"), ("mar", "mär", "3月"), ("apr", "abr", "avr", "4月"),
    ("may", "mai", "mayo", "5月"), ("jun", "juin", "6月"), ("jul", "juil", "7月"), ("aug", "ago", "août", "8月"),
    ("sep", "set", "9月"), ("oct", "okt", "10月"), ("nov", "11月"), ("dec", "dez", "dic", "déc", "12月"),
)
"""How a month may be written in a request (its name's start in a few languages, or the CJK form)."""


def conversation_text(messages: Iterable[ChatMessage], system_prompt: str | None = None) -> str:
    """What the user, the system prompt and the tools said: where an argument's value may come from.

    ``system_prompt``: the system prompt as written, in place of the system message (which, under
    the text protocol, also lists the tools: their examples are not something anybody said).
    """
    said = (
        system_prompt if system_prompt is not None and m.role is MessageRole.SYSTEM else str(m.content or "")
        for m in messages
        if m.role is not MessageRole.ASSISTANT
    )
    return "\n".join(said).lower()


def written_in_another_script(request: str) -> bool:
    """Most of the request's letters are not Latin (Chinese, Cyrillic, Arabic...): a call's values
    are then mostly translations, and their absence from the request says nothing."""
    letters = [c for c in request if c.isalpha()]
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters)
    return bool(letters) and latin < 0.7 * len(letters)


def ungrounded_values(
    arguments: Mapping[str, Any], schema: Mapping[str, Any], text: str, documentation: str = ""
) -> list[str]:
    """The checkable values of a call, when none of them appears in ``text`` (lower-cased); else [].

    Text the model composes (code, an expression) is checked only for being the tool's own example
    copied from ``documentation`` ("17 * 23" for a calculator asked about tomorrow's stock price).
    """
    properties = schema.get("properties", {})
    numbers = _numbers(text)
    checked: list[str] = []
    documentation = documentation.lower()
    for name, value in arguments.items():
        spec = properties.get(name, {})
        if _COMPOSED.search(name):
            if _copied_example(value, documentation, text):
                checked.append(repr(value))
            continue
        for item in _leaves(value):
            verdict = _grounded(item, spec, text, numbers)
            if verdict is True:
                return []
            if verdict is False:
                checked.append(repr(item))
    return checked


def without_made_up_options(
    arguments: Mapping[str, Any], schema: Mapping[str, Any], text: str
) -> tuple[dict[str, Any], list[str]]:
    """``arguments`` without the optional ones whose values appear nowhere in ``text``, and their names."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    numbers = _numbers(text)
    copied = any(
        _grounded(item, properties.get(name, {}), text, numbers) is True
        for name, value in arguments.items()
        for item in _leaves(value)
        if isinstance(item, int | float | str)
    )
    if not copied:  # nothing copied from the request (a translated one, say): no evidence to judge by
        return dict(arguments), []
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in arguments.items():
        spec = properties.get(name, {})
        if name not in required and not _COMPOSED.search(name) and _made_up(value, spec, text, numbers):
            dropped.append(name)
        else:
            kept[name] = value
    return kept, dropped


def _made_up(value: Any, spec: Mapping[str, Any], text: str, numbers: set[float]) -> bool:
    """Every checkable part of ``value`` is missing from ``text`` (and there is at least one)."""
    verdicts = [_verdict(item, spec, text, numbers) for item in _leaves(value)]
    return bool(verdicts) and all(v is False for v in verdicts)


def _verdict(item: Any, spec: Mapping[str, Any], text: str, numbers: set[float]) -> bool | None:
    """Like ``_grounded``, and a date counts as said when its day and month are (in any form)."""
    day = read_date(item.split("T")[0].split(" ")[0]) if isinstance(item, str) else None
    if day is not None:
        return _date_said(day, text)
    return _grounded(item, spec, text, numbers) if isinstance(item, int | float | str) else None


def _copied_example(value: Any, documentation: str, text: str) -> bool:
    """``value`` is written in the tool's documentation, and neither it nor any of its numbers is in
    the conversation ("17 * 23" asked as "17 times 23" is the user's own)."""
    written = str(value).strip().lower() if isinstance(value, str) else ""
    if len(written) < 3 or written not in documentation or written in text:
        return False
    said = _numbers(text)
    return not any(_close(n, s) for n in _numbers(written) for s in said)


def _date_said(day: date, text: str) -> bool:
    """The day and the month of ``day`` are in ``text``, by number or by the month's name."""
    said_day = re.search(rf"(?<!\d)0?{day.day}(?!\d)", text) is not None
    said_month = re.search(rf"(?<!\d)0?{day.month}(?!\d)", text) is not None
    return said_day and (said_month or any(name in text for name in _MONTH_NAMES[day.month - 1]))


def _leaves(value: Any) -> Iterable[Any]:
    """The scalars of a value and of its lists; an object the model assembles is its own (a patch, a filter)."""
    if isinstance(value, Mapping):
        return
    if isinstance(value, Sequence) and not isinstance(value, str):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _grounded(value: Any, spec: Mapping[str, Any], text: str, numbers: set[float]) -> bool | None:
    """True: the value is in the text; False: it is not; None: not worth checking."""
    if value is None or isinstance(value, bool) or "enum" in spec:
        return None
    if isinstance(value, int | float):
        if float(value).is_integer() and abs(value) <= 10:
            return None  # counts and flags ("3 results", 0 days): often implied, not said
        return any(_close(float(value), n) for n in numbers)
    words = [w for w in _TOKEN.findall(str(value).lower()) if len(w) >= 3]
    if not words or len(str(value)) > 60 or "\n" in str(value):
        return None  # code, a query or a message the model writes: its own words, rightly
    return _said(str(value).lower(), text) or any(_said(w, text, inflected=True) for w in words)


def _said(written: str, text: str, *, inflected: bool = False) -> bool:
    """``written`` is in ``text`` as a word of its own ("com" is not in "compute"); ``inflected``:
    in any of its simple forms ("points" for "point", "guitars" for "guitar"), or, from four
    letters on, as the start of a word ("desc" for "descending"). Scripts without spaces between
    words (Chinese, Japanese) match anywhere."""
    if not written.isascii():
        return written in text
    stem = _SUFFIX.sub("", written) if inflected and len(written) > 4 else written
    if inflected and len(stem) >= 4:  # also the start of a longer word: "desc" for "descending"
        return re.search(rf"(?<![a-z0-9]){re.escape(stem)}", text) is not None
    forms = r"(?:s|es|ed|ing)?" if inflected else ""
    return re.search(rf"(?<![a-z0-9]){re.escape(stem)}{forms}(?![a-z0-9])", text) is not None


def _numbers(text: str) -> set[float]:
    found: set[float] = set()
    for digits, scale in _NUMBER.findall(text):
        try:
            number = float(digits.replace(",", ""))
        except ValueError:
            continue
        found.add(number)
        if scale:
            found.add(number * _SCALE[scale])  # "50 million" is also 50000000
    return found


def _close(value: float, said: float) -> bool:
    """``value`` is ``said``, or the same figure as a fraction or a percentage (3% -> 0.03)."""
    return any(abs(value - candidate) <= 1e-9 * max(1.0, abs(candidate)) for candidate in (said, said / 100, said * 100))
