"""The eval progress in a log (not a terminal): Ray actors going live and cases re-run elsewhere."""

from __future__ import annotations

import io

from rich.console import Console

from ponder.cli.eval_view import EvalProgress
from ponder.evals.runner import JobRetried, RunPlanned, WorkersChanged


def progress() -> tuple[EvalProgress, io.StringIO]:
    out = io.StringIO()
    return EvalProgress(Console(file=out, width=120, force_terminal=False)), out


def test_the_number_of_live_actors_is_shown_as_it_changes() -> None:
    view, out = progress()
    view(RunPlanned(to_run=4, already_done=0))
    view(WorkersChanged(live=3))
    view(WorkersChanged(live=1))
    assert "3 Ray actors live" in out.getvalue() and "1 Ray actor live" in out.getvalue()
    assert "1 actor" in view._describe()


def test_a_case_whose_worker_died_is_shown_as_re_run() -> None:
    view, out = progress()
    view(JobRetried(key="case03#0", reason="Ray actor 1 died: killed"))
    assert "case03#0 re-running on another actor: Ray actor 1 died: killed" in out.getvalue()


def test_the_local_executor_shows_no_actor_count() -> None:
    view, _ = progress()
    view(RunPlanned(to_run=1, already_done=0))
    assert "actor" not in view._describe()
