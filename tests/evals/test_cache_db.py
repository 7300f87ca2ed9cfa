"""The cache file survives damage: a corrupt database is set aside with a warning and a fresh one used."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ponder.errors import ConfigError, PonderWarning
from ponder.evals.cache import CacheStore


def test_a_file_that_is_not_a_database_is_set_aside_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "evals.sqlite3"
    path.write_bytes(b"\x00\xffnot sqlite" * 100)
    with pytest.warns(PonderWarning, match="is damaged .* kept as"):
        store = CacheStore(path)
    store.put("responses", "k", "v")
    assert store.get("responses", "k") == "v"
    store.close()
    kept = list(tmp_path.glob("evals.sqlite3.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"\x00\xffnot sqlite")


def test_damage_found_mid_run_is_recovered_from(tmp_path: Path) -> None:
    path = tmp_path / "evals.sqlite3"
    store = CacheStore(path)
    store.put("runs", "k", "v")
    store.count("runs")
    store._db._db.close()  # the connection dies under the store (as when the file is damaged)
    store._db._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    with pytest.warns(PonderWarning, match="is damaged"):
        assert store.get("runs", "k") is None, "a damaged cache is a miss, not a crash"
    store.put("runs", "k2", "v2")
    assert store.get("runs", "k2") == "v2"
    store.close()


def test_an_unreadable_reply_row_is_a_miss(tmp_path: Path) -> None:
    from ponder.backends.base import ModelRequest
    from ponder.backends.scripted import ScriptedBackend
    from ponder.evals.cache import CachingBackend

    store = CacheStore(tmp_path / "evals.sqlite3")
    backend = CachingBackend(ScriptedBackend(["first", "second"]), store)
    request = ModelRequest(messages=[])
    assert [i for i in backend.stream(request) if isinstance(i, str)] == ["first"]
    assert store.count("responses") == 1  # flushed to the file
    store._db.execute("UPDATE responses SET value = '{broken'")
    with pytest.warns(PonderWarning, match="cannot be read"):
        replayed = [i for i in backend.stream(request) if isinstance(i, str)]
    assert "".join(replayed) == "second", "the model was asked again"  # (how the text is chunked is the redactor's business)
    store.close()


def test_a_cache_folder_that_cannot_be_written_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "evals.sqlite3").mkdir()  # a folder where the file should be
    with pytest.raises(ConfigError, match="cannot open the eval cache"):
        CacheStore(folder / "evals.sqlite3")
