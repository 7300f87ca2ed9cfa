"""Dates are rewritten into the layout their parameter's documentation names, and nothing else is touched."""

from __future__ import annotations

from datetime import date

from ponder.agents.documented_formats import DateLayout, conform_dates, documented_layout

SCHEMA = {
    "properties": {
        "when": {"type": "string", "description": "The date (month-day-year) of the game."},
        "check_in": {"type": "string", "description": "Check-in date in the format YYYY-MM-DD."},
        "due": {"type": "string", "description": "Due date, dd.mm.yyyy"},
        "day": {"type": "string", "format": "date"},
        "city": {"type": "string", "description": "a city"},
    }
}


def test_layouts_are_read_from_words_letters_and_json_schema_formats() -> None:
    layouts = {name: documented_layout(spec) for name, spec in SCHEMA["properties"].items()}
    assert layouts["when"] == DateLayout(("m", "d", "y"), "-")
    assert layouts["when"].write(date(2022, 8, 6)) == "08-06-2022"
    assert layouts["due"] == DateLayout(("d", "m", "y"), ".")
    assert layouts["day"] == DateLayout(("y", "m", "d"), "-")
    assert layouts["city"] is None


def test_iso_and_named_dates_are_rewritten_into_the_documented_layout() -> None:
    args = {"when": "2022-08-16", "check_in": "March 3rd, 2026", "due": "2026-12-01", "day": "1 May 2026"}
    fixed, rewritten = conform_dates(args, SCHEMA)
    assert fixed == {"when": "08-16-2022", "check_in": "2026-03-03", "due": "01.12.2026", "day": "2026-05-01"}
    assert rewritten == ["when", "check_in", "due", "day"]


def test_dates_already_right_ambiguous_or_not_dates_are_left_alone() -> None:
    args = {"when": "08-16-2022", "check_in": "next friday", "due": "03/04/2026", "city": "2022-08-16"}
    assert conform_dates(args, SCHEMA) == (args, [])
