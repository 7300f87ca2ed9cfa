"""``export_finetune``: from what the agent did to training files, filtered, checked and split.

Records are kept or dropped in this order, each drop counted under its reason: a failing case
(``passing_only``), too many steps (``max_steps``), then the checks (``checks.py``). The kept
records are split into train and validation by a seeded hash of their ids: the same inputs and
seed always give the same split, and adding records does not move the old ones.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ponder.errors import InputError
from ponder.export.checks import RecordInvalid, check_openai_types, check_template
from ponder.export.formats import FORMATS, Format, convert

if TYPE_CHECKING:
    from ponder.export.conversation import Conversation
    from ponder.export.template import ChatTemplate


@dataclass
class ExportReport:
    read: int = 0
    train: int = 0
    validation: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    """One line per record that failed a check: its id and what is wrong."""
    notes: list[str] = field(default_factory=list)
    """What the sources did not record (each note once)."""
    files: list[Path] = field(default_factory=list)
    template: str | None = None


def export_finetune(
    sources: Sequence[str],
    out_dir: Path,
    *,
    fmt: Format = "openai",
    passing_only: bool = False,
    max_steps: int | None = None,
    validation: float = 0.1,
    seed: int = 0,
    template: ChatTemplate | None = None,
    tools: Sequence[str] | None = None,
    system_prompt: str | None = None,
) -> ExportReport:
    """Write ``train.jsonl`` (and ``validation.jsonl``) under ``out_dir`` from eval logs, batch results and sessions.

    ``template`` is the chat template every record must render through (``embedded_model_template()``
    for Ponder's embedded model); None skips that check. ``tools`` names the tools offered where a
    source does not record them; ``system_prompt`` replaces the recorded or default one.
    """
    from ponder.export.sources import read_sources

    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}'", fix=f"use one of: {', '.join(FORMATS)}")
    if not 0 <= validation < 1:
        raise InputError(f"--validation {validation} is not a fraction", fix="use a number from 0 to 0.9, e.g. 0.1")
    conversations = read_sources(sources, tools=tools, system_prompt=system_prompt)
    report = ExportReport(read=len(conversations), template=template.source if template else None)
    kept: list[tuple[Conversation, dict[str, Any]]] = []
    for conversation in conversations:
        reason = _filtered(conversation, passing_only=passing_only, max_steps=max_steps)
        if reason:
            report.dropped[reason] += 1
            continue
        record = convert(conversation, fmt)
        try:
            check_openai_types(record, fmt)
            if template is not None:
                check_template(record, fmt, template)
        except RecordInvalid as exc:
            report.dropped["failed a check"] += 1
            report.problems.append(f"{conversation.id}: {exc}")
            continue
        kept.append((conversation, record))
        for note in conversation.notes:
            line = f"{conversation.source}: {note}"
            if line not in report.notes:
                report.notes.append(line)
    train, held_out = split([c.id for c, _ in kept], validation=validation, seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_id = {c.id: record for c, record in kept}
    report.files.append(_write(out_dir / "train.jsonl", [by_id[i] for i in train]))
    report.train = len(train)
    if validation:
        report.files.append(_write(out_dir / "validation.jsonl", [by_id[i] for i in held_out]))
        report.validation = len(held_out)
    return report


def _filtered(conversation: Conversation, *, passing_only: bool, max_steps: int | None) -> str | None:
    if conversation.unusable:
        return conversation.unusable
    if passing_only and conversation.passed is not True:
        return "not passing"
    if max_steps is not None and conversation.steps > max_steps:
        return f"more than {max_steps} steps"
    return None


def split(ids: Sequence[str], *, validation: float, seed: int) -> tuple[list[str], list[str]]:
    """(train, validation) ids: ``round(len * validation)`` ids go to validation, chosen by a seeded hash."""
    if len(set(ids)) != len(ids):
        raise InputError("two records have the same id", fix="pass each eval log, results file or session once")
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
    count = round(len(ids) * validation)
    if validation and len(ids) >= 2:
        count = min(max(count, 1), len(ids) - 1)  # both files get at least one record
    held = set(ranked[:count])
    return [i for i in ids if i not in held], [i for i in ids if i in held]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
