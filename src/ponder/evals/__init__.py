"""Evals: suites of cases with graders, a concurrent cached resumable runner, reports and CI gating.

Public names are re-exported lazily from the modules that define them (``import ponder.evals``
stays cheap). Extension points: ``register_grader`` (a grader kind), ``register_suite_source``
(``ponder eval <prefix>:<name>``), ``register_knowledge_resolver`` (a suite's ``knowledge``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ponder._lazy import lazy_getattr

_EXPORTS = {
    "Grader": "ponder.evals.grading",
    "GradeContext": "ponder.evals.grading",
    "GradeResult": "ponder.evals.grading",
    "register_grader": "ponder.evals.grading",
    "parse_grader": "ponder.evals.grading",
    "Suite": "ponder.evals.suite",
    "Case": "ponder.evals.suite",
    "load_suite": "ponder.evals.sources",
    "register_suite_source": "ponder.evals.sources",
    "register_knowledge_resolver": "ponder.evals.sources",
    "parse_suite": "ponder.evals.loading",
    "EvalRunner": "ponder.evals.runner",
    "RunOptions": "ponder.evals.runner",
    "select_cases": "ponder.evals.runner",
    "CacheStore": "ponder.evals.cache",
    "CachingBackend": "ponder.evals.cache",
    "CaseRecord": "ponder.evals.records",
    "Report": "ponder.evals.report",
    "build_report": "ponder.evals.report",
    "load_report": "ponder.evals.report",
    "compare": "ponder.evals.compare",
    "Comparison": "ponder.evals.compare",
    "evaluate": "ponder.evals.api",
}

if TYPE_CHECKING:
    from ponder.evals.api import evaluate
    from ponder.evals.cache import CacheStore, CachingBackend
    from ponder.evals.compare import Comparison, compare
    from ponder.evals.grading import GradeContext, Grader, GradeResult, parse_grader, register_grader
    from ponder.evals.loading import parse_suite
    from ponder.evals.records import CaseRecord
    from ponder.evals.report import Report, build_report, load_report
    from ponder.evals.runner import EvalRunner, RunOptions, select_cases
    from ponder.evals.sources import load_suite, register_knowledge_resolver, register_suite_source
    from ponder.evals.suite import Case, Suite

__all__ = [
    "Grader",
    "GradeContext",
    "GradeResult",
    "register_grader",
    "parse_grader",
    "Suite",
    "Case",
    "load_suite",
    "register_suite_source",
    "register_knowledge_resolver",
    "parse_suite",
    "EvalRunner",
    "RunOptions",
    "select_cases",
    "CacheStore",
    "CachingBackend",
    "CaseRecord",
    "Report",
    "build_report",
    "load_report",
    "compare",
    "Comparison",
    "evaluate",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
