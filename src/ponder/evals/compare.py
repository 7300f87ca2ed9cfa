"""Compare two runs: which cases flipped, whether the score moved more than chance, cost and latency.

Runs are paired by case × repeat key. Significance is the exact McNemar test on the
discordant pairs (pass -> fail against fail -> pass): the right test for the same items
graded twice, and exact for the small counts of an eval suite.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ponder.evals.records import CaseRecord
from ponder.evals.report import Report
from ponder.evals.stats import mcnemar_exact


class CaseDelta(BaseModel):
    id: str
    rate_a: float | None
    rate_b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.rate_a is None or self.rate_b is None else self.rate_b - self.rate_a


class Comparison(BaseModel):
    a: str
    b: str
    paired: int
    score_a: float | None
    score_b: float | None
    pass_to_fail: list[str] = Field(default_factory=list)
    fail_to_pass: list[str] = Field(default_factory=list)
    p_value: float = 1.0
    alpha: float = 0.05
    cases: list[CaseDelta] = Field(default_factory=list)
    """Cases whose pass rate changed."""
    only_a: list[str] = Field(default_factory=list)
    only_b: list[str] = Field(default_factory=list)
    tokens_a: float | None = None
    tokens_b: float | None = None
    seconds_a: float | None = None
    seconds_b: float | None = None
    suite_changed: bool = False

    @property
    def delta(self) -> float | None:
        return None if self.score_a is None or self.score_b is None else self.score_b - self.score_a

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    def regressed(self, max_regression: float) -> bool:
        """The score dropped by more than ``max_regression`` and the drop is significant."""
        d = self.delta
        return d is not None and -d > max_regression and self.significant and len(self.pass_to_fail) > len(self.fail_to_pass)


def compare(a: Report, b: Report, *, alpha: float = 0.05) -> Comparison:
    ra = {r.key: r for r in a.records}
    rb = {r.key: r for r in b.records}
    graded = ("pass", "fail")
    paired = [k for k in ra if k in rb and ra[k].status in graded and rb[k].status in graded]
    p2f = [k for k in paired if ra[k].status == "pass" and rb[k].status == "fail"]
    f2p = [k for k in paired if ra[k].status == "fail" and rb[k].status == "pass"]

    def score(records: dict[str, CaseRecord], keys: list[str]) -> float | None:
        return sum(records[k].status == "pass" for k in keys) / len(keys) if keys else None

    rates_a = {c.id: c.score for c in a.cases}
    rates_b = {c.id: c.score for c in b.cases}
    changed = [
        CaseDelta(id=cid, rate_a=rates_a[cid], rate_b=rates_b[cid])
        for cid in rates_a
        if cid in rates_b and rates_a[cid] != rates_b[cid]
    ]
    return Comparison(
        a=_label(a),
        b=_label(b),
        paired=len(paired),
        score_a=score(ra, paired),
        score_b=score(rb, paired),
        pass_to_fail=p2f,
        fail_to_pass=f2p,
        p_value=mcnemar_exact(len(p2f), len(f2p)),
        alpha=alpha,
        cases=changed,
        only_a=sorted(k for k in ra if k not in rb),
        only_b=sorted(k for k in rb if k not in ra),
        tokens_a=a.overall.mean_tokens,
        tokens_b=b.overall.mean_tokens,
        seconds_a=a.overall.mean_seconds,
        seconds_b=b.overall.mean_seconds,
        suite_changed=a.manifest.get("suite_digest") != b.manifest.get("suite_digest"),
    )


def _label(report: Report) -> str:
    return f"{report.name} · {report.model}"
