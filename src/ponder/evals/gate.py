"""CI gating: did the run have errors, fall below the threshold, or regress against a baseline?

``Verdict.exit_code`` is the code the CLI exits with: errors win, because a run with errors
measured less than it should and its score cannot be trusted either way; then runs replayed from
the cache under ``--require-live`` (a replayed run measured nothing live); then a score below
``--min-score``, then a significant regression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ponder.errors import ExitCode
from ponder.evals.compare import Comparison
from ponder.evals.report import Report


@dataclass
class Verdict:
    errors: int = 0
    below_min: bool = False
    regression: bool = False
    replayed: int = 0
    """Runs that took replies from the cache, counted only when the gate requires live runs."""
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.errors or self.below_min or self.regression or self.replayed)

    @property
    def exit_code(self) -> ExitCode:
        if self.errors:
            return ExitCode.EVAL_ERRORS
        if self.replayed:
            return ExitCode.EVAL_REPLAYED
        if self.below_min:
            return ExitCode.EVAL_BELOW_MIN
        if self.regression:
            return ExitCode.EVAL_REGRESSION
        return ExitCode.OK


def judge_run(
    report: Report,
    *,
    min_score: float | None = None,
    comparison: Comparison | None = None,
    max_regression: float = 0.0,
    require_live: bool = False,
) -> Verdict:
    """``require_live``: every run must have asked the model (a run replayed whole or in part fails the gate)."""
    v = Verdict(errors=report.overall.errors)
    if v.errors:
        v.messages.append(f"{v.errors} run(s) errored (see the error column; errors are not failures)")
    if require_live and report.cache.touched:
        v.replayed = report.cache.touched
        v.messages.append(
            f"--require-live: {v.replayed} of {report.cache.total} runs took replies from the cache "
            f"({report.cache.replayed} without asking the model at all); run with --no-cache"
        )
    score = report.overall.score
    if min_score is not None:
        if score is None:
            v.below_min = True
            v.messages.append(f"no case was graded, so the score cannot reach --min-score {min_score:g}")
        elif score < min_score:
            v.below_min = True
            v.messages.append(f"score {score:.1%} is below --min-score {min_score:.1%}")
    if comparison is not None and comparison.regressed(max_regression):
        v.regression = True
        v.messages.append(
            f"significant regression: {comparison.score_a:.1%} -> {comparison.score_b:.1%} on {comparison.paired} paired runs "
            f"({len(comparison.pass_to_fail)} pass->fail, {len(comparison.fail_to_pass)} fail->pass, "
            f"McNemar p={comparison.p_value:.3g} < {comparison.alpha:g}; allowed drop {max_regression:.1%})"
        )
    return v
