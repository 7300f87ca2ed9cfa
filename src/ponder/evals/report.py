"""A run's report: per case, per tag and overall, built from the records alone.

Pass rates count only graded runs (pass + fail): errors and unscored runs are reported
beside them, never folded in. Each rate carries a 95% Wilson interval; with repeats, pass@k
and pass^k for every k up to the number of repeats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ponder.errors import InputError
from ponder.evals.records import CaseRecord, read_log
from ponder.evals.stats import pass_at_k, pass_hat_k, wilson


class Aggregate(BaseModel):
    runs: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    unscored: int = 0
    skipped: int = 0
    score: float | None = None
    """passed / (passed + failed); None when nothing was graded."""
    ci_low: float | None = None
    ci_high: float | None = None
    pass_at_k: dict[int, float] = Field(default_factory=dict)
    pass_hat_k: dict[int, float] = Field(default_factory=dict)
    mean_steps: float | None = None
    mean_tokens: float | None = None
    mean_seconds: float | None = None
    total_tokens: int = 0

    @property
    def graded(self) -> int:
        return self.passed + self.failed


class CaseSummary(Aggregate):
    id: str
    tags: list[str] = Field(default_factory=list)
    reason: str = ""
    """Why the latest failing or errored run did not pass."""


class CacheUse(BaseModel):
    """Where the runs' replies came from: a gate can refuse a run that did not ask the model."""

    live: int = 0
    """Runs whose every reply came from the model."""
    partly: int = 0
    """Runs with some replies from the cache and some from the model."""
    replies: int = 0
    """Runs whose every reply came from the cache (the loop and tools ran again)."""
    runs: int = 0
    """Runs replayed whole from the cache: no model, no loop, no tools."""

    @property
    def total(self) -> int:
        return self.live + self.partly + self.replies + self.runs

    @property
    def replayed(self) -> int:
        """Runs that did not ask the model at all."""
        return self.replies + self.runs

    @property
    def touched(self) -> int:
        """Runs that took at least one reply from the cache."""
        return self.replayed + self.partly

    def describe(self) -> str:
        if not self.touched:
            return f"cache: no run replayed ({self.live} live)"
        return (
            f"cache: {self.replayed} of {self.total} runs replayed from the cache ({self.runs} whole, "
            f"{self.replies} from cached replies), {self.partly} partly, {self.live} live"
        )


def cache_use(records: Iterable[CaseRecord]) -> CacheUse:
    counts = {"no": 0, "partly": 0, "responses": 0, "run": 0}
    for r in records:
        if r.status != "skipped":
            counts[r.cached] += 1
    return CacheUse(live=counts["no"], partly=counts["partly"], replies=counts["responses"], runs=counts["run"])


class Report(BaseModel):
    type: Literal["report"] = "report"
    manifest: dict[str, Any] = Field(default_factory=dict)
    overall: Aggregate
    cases: list[CaseSummary]
    tags: dict[str, Aggregate]
    records: list[CaseRecord]
    cache: CacheUse = Field(default_factory=CacheUse)
    """How many runs were replayed from the cache (a report written before this field: all zero)."""
    wall_seconds: float | None = None

    @property
    def name(self) -> str:
        return str(self.manifest.get("suite", "suite"))

    @property
    def model(self) -> str:
        return str(self.manifest.get("model", "?"))


def _fields(recs: list[CaseRecord]) -> dict[str, Any]:
    """An aggregate's fields, in one pass over the records (reports of big suites stay instant)."""
    counts = dict.fromkeys(("pass", "fail", "error", "unscored", "skipped"), 0)
    steps = tokens = seconds = 0.0
    ran = total_tokens = 0
    by_case: dict[str, list[int]] = {}
    for r in recs:
        counts[r.status] += 1
        total_tokens += r.tokens
        if r.status in ("pass", "fail", "unscored"):
            ran += 1
            steps += r.steps
            tokens += r.tokens
            seconds += r.seconds
        if r.status in ("pass", "fail"):
            tally = by_case.setdefault(r.case, [0, 0])
            tally[0] += 1
            tally[1] += r.status == "pass"
    graded = counts["pass"] + counts["fail"]
    low, high = wilson(counts["pass"], graded) if graded else (None, None)
    at_k: dict[int, float] = {}
    hat_k: dict[int, float] = {}
    for k in range(1, max((n for n, _ in by_case.values()), default=0) + 1):
        eligible = [(n, c) for n, c in by_case.values() if n >= k]
        at_k[k] = sum(pass_at_k(n, c, k) for n, c in eligible) / len(eligible)
        hat_k[k] = sum(pass_hat_k(n, c, k) for n, c in eligible) / len(eligible)
    return {
        "runs": len(recs) - counts["skipped"],
        "passed": counts["pass"],
        "failed": counts["fail"],
        "errors": counts["error"],
        "unscored": counts["unscored"],
        "skipped": counts["skipped"],
        "score": counts["pass"] / graded if graded else None,
        "ci_low": low,
        "ci_high": high,
        "pass_at_k": at_k,
        "pass_hat_k": hat_k,
        "mean_steps": steps / ran if ran else None,
        "mean_tokens": tokens / ran if ran else None,
        "mean_seconds": seconds / ran if ran else None,
        "total_tokens": total_tokens,
    }


def aggregate(records: Iterable[CaseRecord]) -> Aggregate:
    return Aggregate.model_construct(**_fields(list(records)))


def build_report(manifest: dict[str, Any], records: Iterable[CaseRecord], *, wall_seconds: float | None = None) -> Report:
    recs = list(records)
    by_case: dict[str, list[CaseRecord]] = defaultdict(list)
    by_tag: dict[str, list[CaseRecord]] = defaultdict(list)
    for r in recs:
        by_case[r.case].append(r)
        for tag in r.tags:
            by_tag[tag].append(r)
    cases = []
    for case_id, items in by_case.items():
        bad = [r for r in items if r.status in ("fail", "error", "unscored", "skipped")]
        reason = bad[-1].failure_reason() if bad else ""
        cases.append(CaseSummary.model_construct(id=case_id, tags=items[0].tags, reason=reason, **_fields(items)))
    manifest = {k: v for k, v in manifest.items() if k != "type"}
    return Report.model_construct(
        manifest=manifest,
        overall=aggregate(recs),
        cases=cases,
        tags={t: aggregate(v) for t, v in sorted(by_tag.items())},
        records=recs,
        cache=cache_use(recs),
        wall_seconds=wall_seconds,
    )


def load_report(path: Path) -> Report:
    """A report from ``--json`` output or straight from a run's JSONL log."""
    if not path.is_file():
        raise InputError(f"no results file at {path}", fix="pass the --json report or the .jsonl log of an earlier run")
    if path.suffix == ".jsonl":
        try:
            log = read_log(path)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}", fix="check the file's permissions") from None
        if log.manifest is None and not log.records:
            raise InputError(f"{path} is not a ponder eval log (no line of it can be read)", fix="pass the .jsonl log or the --json report of an earlier run")
        if log.garbled:
            from ponder.errors import warn

            warn(f"{log.garbled} line(s) of {path} could not be read and were left out")
        return build_report(log.manifest or {}, log.records.values())
    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", fix="check the file's permissions") from None
    except ValueError as exc:
        raise InputError(f"{path} is not a ponder eval report ({str(exc).splitlines()[0]})", fix="pass a file written by --json") from exc
