"""Run records: every run's events as JSONL under ``.ponder/runs/``, written as they happen.

``RunRecorder`` writes one (an event consumer); ``list_runs``, ``load_run`` and ``find_run``
read them back; ``Retention`` bounds how many are kept. The format is in ``format.py``.
"""

from __future__ import annotations

from ponder.runs.format import Redactor, RunHeader, Source, event_from_dict
from ponder.runs.recorder import DEFAULT_RUNS_DIR, RunRecorder, default_redactor
from ponder.runs.retention import Retention, prune
from ponder.runs.store import (
    CorruptRunRecord,
    RunListing,
    RunRecord,
    RunSummary,
    find_run,
    list_runs,
    load_run,
)

__all__ = [
    "DEFAULT_RUNS_DIR",
    "CorruptRunRecord",
    "Redactor",
    "Retention",
    "RunHeader",
    "RunListing",
    "RunRecord",
    "RunRecorder",
    "RunSummary",
    "Source",
    "default_redactor",
    "event_from_dict",
    "find_run",
    "list_runs",
    "load_run",
    "prune",
]
