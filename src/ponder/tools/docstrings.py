"""Read a tool's description and per-parameter docs from its docstring (Google, NumPy or Sphinx style)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParsedDocstring:
    summary: str
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> ParsedDocstring:
    if not doc:
        return ParsedDocstring(summary="")
    import inspect

    import griffe

    # griffe warns about parameters it cannot match to a signature; we pass none on purpose.
    logging.getLogger("griffe").setLevel(logging.ERROR)
    sections = griffe.Docstring(inspect.cleandoc(doc)).parse("auto")
    summary = ""
    params: dict[str, str] = {}
    for section in sections:
        if section.kind is griffe.DocstringSectionKind.text and not summary:
            summary = str(section.value).strip()
        elif section.kind is griffe.DocstringSectionKind.parameters:
            for param in section.value:
                params[param.name] = " ".join(str(param.description).split())
    return ParsedDocstring(summary=summary, params=params)
