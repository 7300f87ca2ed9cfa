"""Dates in the layout a tool documents: "2022-08-16" becomes "08-16-2022" for a month-day-year parameter.

Tool documentation often fixes a date's layout in words ("the date (month-day-year)", "in the
format MM/DD/YYYY", ``"format": "date"``). A small model writes dates the way it learned them,
mostly ISO, whatever the documentation says, and the tool then misreads or rejects them.
``conform_dates`` rewrites a string argument that reads unambiguously as a date (ISO, the
documented layout itself, or with the month's name) into the documented layout, before the tool
runs. A value that is not a date, or that could be read two ways, is left as the model wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

_PART = r"(yyyy|yy|year|mm|month|dd|day)"
_LAYOUT = re.compile(rf"\b{_PART}\s*([-/.])\s*{_PART}\s*\2\s*{_PART}\b", re.IGNORECASE)
_FIELD = {"yyyy": "y", "yy": "y", "year": "y", "mm": "m", "month": "m", "dd": "d", "day": "d"}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NAMED = re.compile(r"^(?:(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})|([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}))$")


@dataclass(frozen=True)
class DateLayout:
    order: tuple[str, str, str]
    """The fields in order: "y", "m", "d"."""
    separator: str

    def write(self, day: date) -> str:
        parts = {"y": f"{day.year:04d}", "m": f"{day.month:02d}", "d": f"{day.day:02d}"}
        return self.separator.join(parts[f] for f in self.order)

    def read(self, text: str) -> date | None:
        pieces = text.split(self.separator)
        if len(pieces) != 3 or not all(p.isdigit() for p in pieces):
            return None
        fields = dict(zip(self.order, (int(p) for p in pieces), strict=True))
        if len(pieces[self.order.index("y")]) != 4:
            return None
        return _date(fields["y"], fields["m"], fields["d"])


def documented_layout(spec: Mapping[str, Any]) -> DateLayout | None:
    """The date layout a parameter's documentation names, or None."""
    if spec.get("format") == "date":
        return DateLayout(("y", "m", "d"), "-")
    match = _LAYOUT.search(str(spec.get("description", "")))
    if match is None:
        return None
    order = tuple(_FIELD[match.group(i).lower()] for i in (1, 3, 4))
    if sorted(order) != ["d", "m", "y"]:
        return None
    return DateLayout((order[0], order[1], order[2]), match.group(2))


def conform_dates(arguments: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``arguments`` with dates rewritten into their parameters' documented layouts, and the names rewritten."""
    properties = schema.get("properties", {})
    result = dict(arguments)
    rewritten = []
    for name, value in arguments.items():
        layout = documented_layout(properties.get(name, {})) if isinstance(value, str) else None
        if layout is None or layout.read(value.strip()) is not None:
            continue
        day = read_date(value)
        if day is not None and layout.write(day) != value:
            result[name] = layout.write(day)
            rewritten.append(name)
    return result, rewritten


def read_date(text: str) -> date | None:
    """A date written year first (2022-08-16, 2022/8/16) or with the month's name; None otherwise."""
    text = text.strip().lower()
    iso = _ISO.match(text)
    if iso:
        return _date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    named = _NAMED.match(text)
    if named is None:
        return None
    day, month, year = named.group(1, 2, 3) if named.group(1) else (named.group(5), named.group(4), named.group(6))
    number = _MONTHS.get(month)
    return _date(int(year), number, int(day)) if number else None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
