"""Runs on disk: written whole or not at all, read back as written, never outside their folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder.backends.base import NativeToolCall
from ponder.backends.native import assistant_message
from ponder.serve.store import PendingCall, RunStore, StoredRun, new_run_id


def paused_run() -> StoredRun:
    call = NativeToolCall(id="call_1", name="append_note", arguments={"text": "hi"})
    return StoredRun(
        id=new_run_id(),
        model="noter",
        status="paused",
        spec='{"model":"scripted:echo"}',
        task="write",
        messages=[ChatMessage(role=MessageRole.USER, content="write"), assistant_message("", [call], ['{"text": "hi"}'])],
        pending=PendingCall(call_id="call_1", name="append_note", arguments={"text": "hi"}, native=True, description="d"),
    )


def test_a_saved_run_reads_back_the_same(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = paused_run()
    store.save(run)
    loaded = store.load(run.id)
    assert loaded is not None
    assert loaded.messages == run.messages  # tool-call blocks included
    assert loaded.pending == run.pending
    assert store.ids("paused") == [run.id]


def test_saving_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    run = paused_run()
    store.save(run)
    run.status = "finished"
    store.save(run)
    assert [p.name for p in store.root.iterdir()] == [f"{run.id}.json"]


def test_a_failed_write_keeps_the_previous_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = RunStore(tmp_path)
    run = paused_run()
    store.save(run)
    run.status = "finished"

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError):
        store.save(run)
    loaded = store.load(run.id)
    assert loaded is not None and loaded.status == "paused"
    assert [p.name for p in store.root.iterdir()] == [f"{run.id}.json"]


@pytest.mark.parametrize("run_id", ["../../etc/passwd", "run_xyz", "run_" + "0" * 23, ""])
def test_an_id_that_is_not_a_run_id_is_never_a_path(tmp_path: Path, run_id: str) -> None:
    assert RunStore(tmp_path).load(run_id) is None
