"""Run a command as a bounded child process: wall-clock timeout, CPU, memory and process limits, capped output.

Used by the ``python`` and ``shell`` tools. Given a ``Jail``, the command runs inside the
bubblewrap sandbox of ``_isolation`` (its own namespaces, an unprivileged user, no parent
environment, no other files, no network); the limits below apply on top. The child starts in
its own session so the whole process group dies on timeout. Process count is limited by
RLIMIT_NPROC; root ignores that limit, so when Ponder runs as root and a pids cgroup can be
created, the child also runs in its own cgroup with ``pids.max`` (and everything left in it is
killed at the end).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ponder.tools.builtin._isolation import Jail, command, sandbox_env, sandbox_uid

_CGROUP_BASES = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


@dataclass(frozen=True, kw_only=True)
class Bounds:
    timeout: float
    output_bytes: int
    memory_mb: int | None = None
    cpu_seconds: int | None = None
    processes: int | None = None


@dataclass(frozen=True)
class Finished:
    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool
    stdout_cut: int
    stderr_cut: int
    seconds: float

    def report(self, bounds: Bounds) -> str:
        """What the model reads: exit status, stdout, stderr, and what was cut or killed."""
        if not (self.timed_out or self.exit_code or self.stderr.strip() or self.stdout_cut or self.stderr_cut):
            return self.stdout.rstrip("\n") or "(no output)"
        parts: list[str] = []
        if self.timed_out:
            parts.append(f"Killed: still running after {bounds.timeout:g}s (time limit). Make it faster or do less.")
        elif self.exit_code is not None and self.exit_code < 0:
            name = _signal_name(-self.exit_code)
            hint = " (CPU time limit)" if name == "SIGXCPU" else ""
            parts.append(f"Killed by {name}{hint}.")
        elif self.exit_code:
            parts.append(f"Exit code {self.exit_code}.")
        parts.append(_section("stdout", self.stdout, self.stdout_cut))
        if self.stderr or self.stderr_cut:
            parts.append(_section("stderr", self.stderr, self.stderr_cut))
        if "MemoryError" in self.stderr and bounds.memory_mb:
            parts.append(f"(The memory limit is {bounds.memory_mb} MB.)")
        return "\n".join(p for p in parts if p)


def _section(name: str, text: str, cut: int) -> str:
    body = text.rstrip("\n") if text.strip() else "(empty)"
    note = f"\n[... {cut} more bytes of {name} cut; print less, or write to a file and read parts of it]" if cut else ""
    return f"{name}:\n{body}{note}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_bounded(
    argv: Sequence[str],
    *,
    bounds: Bounds,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    jail: Jail | None = None,
) -> Finished:
    """Run ``argv`` to completion or until a limit ends it; never raises for what the child does.

    With a ``jail`` the command runs sandboxed (``cwd`` and ``env`` then come from the jail);
    raises ``SandboxUnavailable`` when no sandbox can be made here.
    """
    uid = os.geteuid()
    if jail is not None:
        argv = command(list(argv), jail)
        # bubblewrap itself gets the jail's environment too: its /proc/<pid>/environ shows nothing of ours.
        cwd, env, uid = Path("/"), sandbox_env(Path("/tmp")), sandbox_uid()
    cgroup = _make_pids_cgroup(bounds.processes) if bounds.processes and os.geteuid() == 0 else None
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_limiter(bounds, cgroup, uid),  # noqa: PLW1509 - runs in the child before exec, as intended
    )
    out, err = _Capped(proc.stdout, bounds.output_bytes), _Capped(proc.stderr, bounds.output_bytes)
    if stdin is not None and proc.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(stdin.encode())
        proc.stdin.close()
    timed_out = False
    try:
        proc.wait(timeout=bounds.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    _kill_group(proc.pid)
    proc.wait()
    if cgroup is not None:
        _remove_cgroup(cgroup)
    out.join()
    err.join()
    return Finished(
        stdout=out.text(),
        stderr=err.text(),
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        stdout_cut=out.dropped,
        stderr_cut=err.dropped,
        seconds=time.perf_counter() - started,
    )


def _limiter(bounds: Bounds, cgroup: Path | None, uid: int) -> Callable[[], None]:
    procs = str(cgroup / "cgroup.procs") if cgroup is not None else None
    nproc = _nproc_limit(bounds.processes, uid) if bounds.processes else None

    def apply() -> None:  # in the child, between fork and exec: system calls only, no imports or locks
        if procs is not None:
            fd = os.open(procs, os.O_WRONLY)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
        if bounds.memory_mb:
            size = bounds.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if bounds.cpu_seconds:
            resource.setrlimit(resource.RLIMIT_CPU, (bounds.cpu_seconds, bounds.cpu_seconds + 1))
        if nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _nproc_limit(extra: int, uid: int) -> int:
    """RLIMIT_NPROC counts every process of the user, so allow what the user already runs plus ``extra``."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count + extra


class _Capped:
    """Drain a pipe in a thread, keeping the first ``limit`` bytes and counting the rest."""

    def __init__(self, pipe: object, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe: object) -> None:
        read = pipe.read  # type: ignore[attr-defined]
        while chunk := read(65536):
            room = self.limit - len(self.kept)
            self.kept += chunk[: max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)

    def join(self) -> None:
        self._thread.join(timeout=5)

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _make_pids_cgroup(limit: int) -> Path | None:
    """A fresh pids cgroup capped at ``limit`` processes, or None where cgroups cannot be written."""
    for base in _CGROUP_BASES:
        if not (base / "cgroup.procs").exists():
            continue
        path = base / f"ponder-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            path.mkdir()
        except OSError:
            continue
        try:
            (path / "pids.max").write_text(str(limit))
            return path
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
    return None


def _remove_cgroup(path: Path) -> None:
    """Kill whatever is left in the cgroup (even children that left the process group), then remove it."""
    for _ in range(50):
        try:
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except OSError:
            return
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    with contextlib.suppress(OSError):
        path.rmdir()
