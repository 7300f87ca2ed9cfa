"""The JSONL log: written as runs finish, and a killed run resumes with nothing lost or repeated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ponder.errors import InputError, PonderWarning
from ponder.evals.api import evaluate
from ponder.evals.records import read_log
from tests.evals.eval_helpers import ARITHMETIC_SUITE, ArithmeticModel, suite_from


def keys_in(path: Path) -> list[str]:
    return [json.loads(line)["key"] for line in path.read_text().splitlines() if '"type": "case"' in line]


def test_each_record_is_on_disk_when_its_run_finishes(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    seen: list[int] = []

    def on_event(event: object) -> None:
        if type(event).__name__ == "JobFinished":
            seen.append(len(keys_in(log)))

    evaluate(suite_from(ARITHMETIC_SUITE), model=ArithmeticModel().backend(), cache_dir=None, out=log, concurrency=1, on_event=on_event)
    assert seen == [1, 2, 3]
    first = json.loads(log.read_text().splitlines()[0])
    assert first["type"] == "manifest" and first["suite"] == "arithmetic"


def test_resume_after_a_kill_runs_only_what_is_missing(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    suite = suite_from(ARITHMETIC_SUITE)
    evaluate(suite, model=ArithmeticModel().backend(), cache_dir=None, out=log, repeat=2)
    lines = log.read_text().splitlines(keepends=True)
    # what a kill -9 leaves: the manifest, three finished records, and half of the fourth
    log.write_text("".join(lines[:4]) + lines[4][: len(lines[4]) // 2])
    kept = [json.loads(line)["key"] for line in lines[1:4]]
    model = ArithmeticModel()
    with pytest.warns(PonderWarning, match="dropped the last line of .*run.jsonl, cut short"):
        report = evaluate(suite, model=model.backend(), cache_dir=None, out=log, repeat=2, resume=True)
    keys = keys_in(log)
    assert sorted(keys) == sorted({"a#0", "a#1", "b#0", "b#1", "c#0", "c#1"}) and len(keys) == 6
    assert len(report.records) == 6 and all(r.status == "pass" for r in report.records)
    missing = {"a#0", "a#1", "b#0", "b#1", "c#0", "c#1"} - set(kept)
    assert model.calls == sum(1 if k.startswith("c") else 2 for k in missing)  # only the missing runs were made
    contents = read_log(log)
    manifest, records = contents.manifest, contents.records
    assert manifest is not None and len(records) == 6


def test_resume_reruns_errored_runs_and_the_new_record_wins(tmp_path: Path) -> None:
    from ponder.backends.scripted import Scripted, ScriptedBackend

    log = tmp_path / "run.jsonl"
    suite = suite_from("cases: [{id: a, input: x, expected: fine}, {id: b, input: y, expected: fine}]")
    first = evaluate(suite, model=ScriptedBackend([Scripted(fail="down"), "fine"]), cache_dir=None, out=log, concurrency=1)
    assert [r.status for r in first.records] == ["error", "pass"]
    again = ScriptedBackend(["fine"])
    second = evaluate(suite, model=again, cache_dir=None, out=log, resume=True)
    assert len(again.requests) == 1
    assert [r.status for r in second.records] == ["pass", "pass"]
    records = read_log(log).records
    assert {k: r.status for k, r in records.items()} == {"a#0": "pass", "b#0": "pass"}


def test_resume_refuses_a_changed_suite(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    evaluate(suite_from(ARITHMETIC_SUITE), model=ArithmeticModel().backend(), cache_dir=None, out=log)
    changed = suite_from(ARITHMETIC_SUITE.replace("expected: 42", "expected: 41"))
    with pytest.raises(InputError, match="the suite changed") as err:
        evaluate(changed, model=ArithmeticModel().backend(), cache_dir=None, out=log, resume=True)
    assert "without --resume" in err.value.fix


def test_without_resume_the_log_starts_over(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    for _ in range(2):
        evaluate(suite_from(ARITHMETIC_SUITE), model=ArithmeticModel().backend(), cache_dir=None, out=log)
    assert sorted(keys_in(log)) == ["a#0", "b#0", "c#0"]


def test_manifest_records_what_results_depend_on(tmp_path: Path) -> None:
    report = evaluate(suite_from(ARITHMETIC_SUITE), model=ArithmeticModel().backend(), cache_dir=tmp_path, repeat=2)
    m = report.manifest
    assert m["suite_digest"] == suite_from(ARITHMETIC_SUITE).digest
    assert m["model"] == "scripted:script" and m["backend"]["class"].endswith("ScriptedBackend")
    assert m["repeat"] == 2 and m["temperature"] == 0.0 and m["cache"] == "runs+responses"
    assert "prompts/system" in m["prompts"] and "prompts/eval_judge" in m["prompts"]
    assert {"python", "ponder", "pydantic", "llama-index-core"} <= set(m["packages"])
