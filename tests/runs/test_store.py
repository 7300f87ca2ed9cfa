"""Reading records back: newest first, a cut-short last line tolerated, a corrupt file set aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.agents import events as ev
from ponder.errors import InputError
from ponder.runs import CorruptRunRecord, find_run, list_runs, load_run
from tests.runs.run_helpers import record_run


def test_a_record_reads_back_as_the_events_the_run_emitted(tmp_path: Path) -> None:
    path = record_run(tmp_path)
    record = load_run(path)
    kinds = [type(e).__name__ for e in record.events()]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    call = next(e for e in record.events() if isinstance(e, ev.ToolCallStarted))
    assert (call.name, call.arguments) == ("calculator", {"expression": "17*23"})
    assert record.result is not None and record.result.answer == "17*23 is 391."
    assert not record.truncated


def test_runs_are_listed_newest_first_with_how_they_ended(tmp_path: Path) -> None:
    first = record_run(tmp_path, "first")
    second = record_run(tmp_path, "second")
    runs = list_runs(tmp_path).runs
    assert [r.path for r in runs] == [second, first]
    assert (runs[0].header.task, runs[0].stop_reason, runs[0].steps) == ("second", "answer", 2)


def test_a_last_line_cut_short_is_dropped_and_the_run_shows_unfinished(tmp_path: Path) -> None:
    path = record_run(tmp_path)
    text = path.read_text()
    path.write_text(text[: text.rindex('{"type": "RunFinished"') + 30])  # killed mid-write
    record = load_run(path)
    assert record.truncated and record.result is None
    assert record.lines[-1]["type"] == "Answer"
    summary = list_runs(tmp_path).runs[0]
    assert not summary.finished and summary.stop_reason is None


def test_a_corrupt_file_is_set_aside_with_a_message(tmp_path: Path) -> None:
    good = record_run(tmp_path)
    bad = tmp_path / "20990101-000000-badbad.jsonl"
    bad.write_bytes(b"\x00\x01 not json\n")
    listing = list_runs(tmp_path)
    assert [r.path for r in listing.runs] == [good]
    assert listing.set_aside == [f"{bad} is not a run record: its first line is not JSON; moved aside to {bad}.corrupt"]
    assert not bad.exists() and Path(f"{bad}.corrupt").exists()


def test_loading_a_file_that_is_not_a_record_names_the_problem_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"type": "case"}\n')
    with pytest.raises(CorruptRunRecord) as caught:
        load_run(path)
    assert "its first line is not a run header" in caught.value.message
    assert "ponder runs" in caught.value.fix


def test_a_run_is_found_by_its_id_its_start_or_its_tail(tmp_path: Path) -> None:
    path = record_run(tmp_path)
    run_id = path.stem
    assert find_run(tmp_path, run_id) == path
    assert find_run(tmp_path, run_id[-6:]) == path
    assert find_run(tmp_path, run_id[:8]) == path


def test_an_unknown_or_ambiguous_id_says_what_to_do(tmp_path: Path) -> None:
    record_run(tmp_path)
    record_run(tmp_path)
    with pytest.raises(InputError, match="no run 'zzz'") as unknown:
        find_run(tmp_path, "zzz")
    assert "ponder runs" in unknown.value.fix
    with pytest.raises(InputError, match="matches 2 runs"):
        find_run(tmp_path, "20")
