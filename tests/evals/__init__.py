"""Tests of ponder.evals: suites, graders, runner, cache, reports, compare, gating."""
