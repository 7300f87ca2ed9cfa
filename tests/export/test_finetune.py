"""``export_finetune`` and ``ponder export finetune``: filters, a reproducible split, checked files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ponder.cli.main import main
from ponder.errors import InputError
from ponder.export.finetune import export_finetune, split


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_source_kind_exports_into_one_file(eval_log: Path, batch_results: Path, native_session: str, tmp_path: Path) -> None:
    report = export_finetune([str(eval_log), str(batch_results), native_session], tmp_path / "out", validation=0)
    assert (report.read, report.train, report.validation) == (6, 6, 0)
    assert [p.name for p in report.files] == ["train.jsonl"]
    records = lines(tmp_path / "out" / "train.jsonl")
    assert len(records) == 6 and all(r["messages"][-1]["role"] == "assistant" for r in records)
    assert any("tool outputs and step texts kept to 4,000 characters" in note for note in report.notes)


def test_passing_only_and_max_steps_drop_and_count(eval_log: Path, tmp_path: Path) -> None:
    report = export_finetune([str(eval_log)], tmp_path, passing_only=True, max_steps=2, validation=0)
    assert report.train == 1 and dict(report.dropped) == {"not passing": 1, "more than 2 steps": 1}
    (record,) = lines(tmp_path / "train.jsonl")
    assert record["messages"][1]["content"] == "What is 6 * 7?"


def test_the_split_is_reproducible_and_stable_when_records_are_added() -> None:
    ids = [f"case-{n}" for n in range(40)]
    train, validation = split(ids, validation=0.25, seed=7)
    assert len(validation) == 10 and not set(train) & set(validation) and set(train) | set(validation) == set(ids)
    assert split(ids, validation=0.25, seed=7) == (train, validation)
    assert split(ids, validation=0.25, seed=8)[1] != validation
    bigger = split([*ids, *(f"new-{n}" for n in range(40))], validation=0.25, seed=7)[1]
    assert len(set(validation) & set(bigger)) >= 5  # most of the old validation records stay there


def test_a_small_export_still_gets_one_validation_record(eval_log: Path, tmp_path: Path) -> None:
    report = export_finetune([str(eval_log)], tmp_path, validation=0.1, seed=0)
    assert (report.train, report.validation) == (2, 1)
    assert len(lines(tmp_path / "validation.jsonl")) == 1


def test_a_file_that_is_not_a_ponder_log_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": 1}\n')
    with pytest.raises(InputError, match="neither an eval log nor batch results"):
        export_finetune([str(other)], tmp_path / "out")


def test_the_cli_writes_trl_files_checked_against_the_embedded_models_template(
    eval_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ponder.backends.local.files import local_model_installed

    if not local_model_installed():
        pytest.skip("the embedded model is not installed")
    out = tmp_path / "trl"
    code = main(["export", "finetune", str(eval_log), "--format", "trl", "--passing-only", "-o", str(out), "--validation", "0.5"])
    printed = capsys.readouterr()
    assert code == 0
    assert "read 3 records; dropped 1 not passing; checked against openai types and the chat template of qwen2.5" in printed.out
    assert f"wrote 1 records to {out / 'train.jsonl'}" in printed.out and "note: " in printed.err
    (record,) = lines(out / "train.jsonl") + lines(out / "validation.jsonl")[:0]
    assert record["tools"][0]["function"]["name"] == "calculator"


def test_the_cli_says_what_was_dropped_by_a_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "tasks.results.jsonl"
    run = {"id": "1", "task": "Hi", "answer": "", "stop_reason": "answer", "model": "m", "protocol": "native", "steps": 1, "trajectory": []}
    results.write_text(json.dumps(run) + "\n")
    code = main(["export", "finetune", str(results), "--no-template-check", "-o", str(tmp_path / "o"), "--validation", "0"])
    printed = capsys.readouterr()
    assert code == 1  # nothing written
    assert "read 1 records; dropped 1 failed a check" in printed.out
    assert "warning: dropped tasks.results.jsonl/1: the answer is empty" in printed.err


def test_a_conversation_case_is_dropped_because_its_log_keeps_only_the_last_answer(tmp_path: Path) -> None:
    from ponder.backends.scripted import ScriptedBackend
    from ponder.evals import evaluate
    from ponder.evals.loading import load_suite_file

    suite = tmp_path / "chat.yaml"
    suite.write_text("name: chat\ncases:\n  - id: name\n    input: I am Ada.\n    turns: [\"What is my name?\"]\n    expected: Ada\n")
    log = tmp_path / "chat.jsonl"
    evaluate(load_suite_file(suite), model=ScriptedBackend(["Hello Ada.", "Ada."]), cache_dir=None, out=log)
    report = export_finetune([str(log)], tmp_path / "out", validation=0)
    assert (report.read, report.train) == (1, 0)
    assert dict(report.dropped) == {"a conversation case (its log keeps only the last answer)": 1}


def test_errored_and_skipped_cases_are_counted_as_dropped(tmp_path: Path) -> None:
    from ponder.backends.scripted import Scripted, ScriptedBackend
    from ponder.evals import evaluate
    from ponder.evals.loading import load_suite_file

    suite = tmp_path / "mixed.yaml"
    suite.write_text(
        "name: mixed\ncases:\n  - id: ok\n    input: Say hi.\n    expected: hi\n"
        "  - id: down\n    input: Say bye.\n    expected: bye\n"
        "  - id: later\n    input: Later.\n    skip: not ready\n"
    )
    log = tmp_path / "mixed.jsonl"
    evaluate(load_suite_file(suite), model=ScriptedBackend(["hi", Scripted(fail="the server is down")]), cache_dir=None, out=log, concurrency=1)
    report = export_finetune([str(log)], tmp_path / "out", validation=0)
    assert (report.read, report.train) == (3, 1)
    assert dict(report.dropped) == {"errored": 1, "skipped": 1}


def test_a_note_says_when_the_default_system_prompt_changed_since_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ponder.backends.scripted import ScriptedBackend
    from ponder.evals import evaluate
    from ponder.evals.loading import load_suite_file

    suite = tmp_path / "plain.yaml"
    suite.write_text("name: plain\ncases:\n  - id: hi\n    input: Say hi.\n    expected: hi\n")
    log = tmp_path / "plain.jsonl"
    evaluate(load_suite_file(suite), model=ScriptedBackend(["hi"]), cache_dir=None, out=log)
    changed = "Ponder's system prompt changed since the run: the current one is written"
    assert not any(changed in n for n in export_finetune([str(log)], tmp_path / "a", validation=0).notes)
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "system.md").write_text("You are terse.")
    monkeypatch.setenv("PONDER_PROMPTS_DIR", str(prompts))
    report = export_finetune([str(log)], tmp_path / "b", validation=0)
    assert any(changed in n for n in report.notes)
    assert lines(tmp_path / "b" / "train.jsonl")[0]["messages"][0] == {"role": "system", "content": "You are terse."}
