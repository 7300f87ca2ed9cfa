"""What a project has recorded: run records (``.ponder/runs``) and eval logs (``.ponder/evals``).

Records are looked up by id among the files listed, never by joining a path from a request,
so a URL cannot reach outside the two directories. Read fresh on every request: a run that
finishes while the viewer is open shows up on the next page load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ponder.errors import InputError
from ponder.evals.report import Report, build_report
from ponder.runs import RunListing, RunRecord, list_runs, load_run


@dataclass
class EvalSummary:
    id: str
    path: Path
    manifest: dict[str, Any]
    modified: float

    @property
    def suite(self) -> str:
        return str(self.manifest.get("suite") or self.id)

    @property
    def model(self) -> str:
        return str(self.manifest.get("model") or "?")

    @property
    def started(self) -> str:
        return str(self.manifest.get("started_at") or "")


class Catalog:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs_dir = root / ".ponder" / "runs"
        self.evals_dir = root / ".ponder" / "evals"

    def runs(self, limit: int | None = 200) -> RunListing:
        return list_runs(self.runs_dir, limit=limit)

    def run(self, run_id: str) -> RunRecord | None:
        path = self.runs_dir / f"{run_id}.jsonl"
        if not _listed(self.runs_dir, path):
            return None
        try:
            return load_run(path)
        except InputError:
            return None

    def evals(self) -> list[EvalSummary]:
        found = []
        for path in _jsonl(self.evals_dir):
            with path.open("rb") as f:
                first = f.readline()
            try:
                manifest = json.loads(first)
            except ValueError:
                continue
            if isinstance(manifest, dict) and manifest.get("type") == "manifest":
                found.append(EvalSummary(id=path.stem, path=path, manifest=manifest, modified=path.stat().st_mtime))
        return sorted(found, key=lambda e: e.modified, reverse=True)

    def eval_report(self, eval_id: str) -> Report | None:
        from ponder.evals.records import read_log

        path = self.evals_dir / f"{eval_id}.jsonl"
        if not _listed(self.evals_dir, path):
            return None
        log = read_log(path)
        manifest, records = log.manifest, log.records
        return build_report(manifest or {}, records.values())


def _jsonl(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.jsonl") if p.is_file()) if directory.is_dir() else []


def _listed(directory: Path, path: Path) -> bool:
    return path in _jsonl(directory)
