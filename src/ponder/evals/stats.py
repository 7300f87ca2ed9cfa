"""The statistics behind the reports and the gate, in plain Python (no scipy).

- ``wilson``: a pass rate's 95% interval that stays sensible for small samples and 0% or 100%.
- ``pass_at_k`` / ``pass_hat_k``: from n repeats with c passes, the chance that at least one
  (pass@k) or all (pass^k) of k samples pass; the unbiased estimators of Chen et al. (2021) and
  tau-bench (2024).
- ``mcnemar_exact``: is a set of paired pass/fail flips more one-sided than chance? The exact
  binomial form, right for the small counts an eval suite produces.
"""

from __future__ import annotations

import math


def wilson(passed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for ``passed`` out of ``total``; (0, 1) when there is no data."""
    if total <= 0:
        return 0.0, 1.0
    p = passed / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples (drawn from n runs with c passes) passes."""
    if k > n or k <= 0:
        raise ValueError(f"k must be between 1 and n={n}, got {k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Probability that all of k samples (drawn from n runs with c passes) pass."""
    if k > n or k <= 0:
        raise ValueError(f"k must be between 1 and n={n}, got {k}")
    return math.comb(c, k) / math.comb(n, k)


def mcnemar_exact(pass_to_fail: int, fail_to_pass: int) -> float:
    """Two-sided exact McNemar p-value for paired flips (1.0 when nothing flipped)."""
    n = pass_to_fail + fail_to_pass
    if n == 0:
        return 1.0
    low = min(pass_to_fail, fail_to_pass)
    tail = sum(math.comb(n, i) for i in range(low + 1)) / 2**n
    return min(1.0, 2 * tail)
