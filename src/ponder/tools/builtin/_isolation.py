"""The sandbox code-running tools run in: bubblewrap (``bwrap``) namespaces as an unprivileged user.

Inside, the code sees read-only system folders (``/usr`` and the Python installation it needs),
a fresh ``/proc`` of its own processes, a minimal ``/dev``, size-limited scratch space, and
one working folder; nothing else of the file system, no environment but a handful of
variables, no other process, and (unless allowed) no network: it has its own empty network
namespace. Run as root, bubblewrap mounts the folders and then the code drops to ``nobody``
(uid 65534) with every capability gone; run as an ordinary user, bubblewrap uses a user
namespace and the code keeps that user's (unprivileged) identity.

When bubblewrap is missing or cannot create namespaces here, ``SandboxUnavailable`` says so
and names the fix; code is never run unsandboxed unless the user turned the sandbox off.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ponder.errors import PonderError
from ponder.tools.settings import SANDBOX_ENV

NOBODY = 65534
_INSTALL = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"
_OPT_OUT = f"or set {SANDBOX_ENV}=off to run code without a sandbox (only with code you trust)"
# What a program needs from /etc to start and to name users; never the whole of /etc.
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "passwd", "group", "nsswitch.conf")
_ETC_NETWORK = ("resolv.conf", "hosts", "ssl", "ca-certificates", "pki", "gai.conf")
_TOP_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class SandboxUnavailable(PonderError):
    """Code cannot be sandboxed on this machine; the tool refuses to run it."""


@dataclass(frozen=True, kw_only=True)
class Jail:
    """Where and how one program runs: its working folder, its scratch space, the network."""

    workdir: Path
    """The one folder the code may change (bound read-write), or a scratch folder (see ``scratch``)."""
    scratch: bool = False
    """True: ``workdir`` is an empty in-memory folder of ``disk_mb`` inside the sandbox."""
    files: tuple[tuple[Path, Path], ...] = ()
    """Host files shown read-only inside: (host path, path inside)."""
    network: bool = False
    disk_mb: int = 64
    """Size of each in-memory folder (``/tmp``, a scratch ``workdir``)."""
    env: dict[str, str] = field(default_factory=dict)


def sandbox_env(home: Path) -> dict[str, str]:
    """The whole environment sandboxed code gets: no keys, no tokens, nothing of the parent's."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def as_root() -> bool:
    return os.geteuid() == 0


def sandbox_uid() -> int:
    """The host user the code runs as: ``nobody`` when Ponder is root, else Ponder's own user."""
    return NOBODY if as_root() else os.geteuid()


def command(argv: list[str], jail: Jail) -> list[str]:
    """The bubblewrap command line that runs ``argv`` in ``jail`` (checked to work here first)."""
    bwrap = check_available()
    return [bwrap, *_namespaces(jail), *_mounts(jail), *_environment(jail), "--", *_drop_privileges(), *argv]


@functools.cache
def check_available() -> str:
    """The path of a bubblewrap that can sandbox here; raises ``SandboxUnavailable`` otherwise."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "the python and shell tools run code in a bubblewrap sandbox, and bubblewrap (bwrap) is not installed",
            fix=f"{_INSTALL}, {_OPT_OUT}",
        )
    if as_root() and not Path("/usr/bin/setpriv").exists():
        raise SandboxUnavailable(
            "running as root, the sandbox drops to 'nobody' with setpriv, which is not installed",
            fix=f"install util-linux (apt-get install util-linux), or run Ponder as an ordinary user, {_OPT_OUT}",
        )
    probe = Jail(workdir=Path("/tmp/probe"), scratch=True, disk_mb=1)
    argv = [bwrap, *_namespaces(probe), *_mounts(probe), *_environment(probe), "--", *_drop_privileges(), "/bin/sh", "-c", "exit 0"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=sandbox_env(Path("/tmp")))
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap ({bwrap}) cannot start: {exc}", fix=f"check the bwrap install, {_OPT_OUT}") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        hint = (
            "user namespaces are disabled for ordinary users here: enable them "
            "(sysctl -w kernel.unprivileged_userns_clone=1 and user.max_user_namespaces=10000, or on Ubuntu "
            "kernel.apparmor_restrict_unprivileged_userns=0), or allow namespaces in the container (e.g. docker --privileged)"
            if not as_root()
            else "the container does not allow namespaces or mounts: run it with the needed privileges (e.g. docker --privileged)"
        )
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here: {why}", fix=f"{hint}, {_OPT_OUT}")
    return bwrap


def _namespaces(jail: Jail) -> list[str]:
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"]
    if not jail.network:
        args.append("--unshare-net")
    if as_root():
        # Privileged bubblewrap does the mounts; setpriv (below) then becomes nobody with no capabilities.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:
        args += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    return [*args, "--die-with-parent", "--new-session", "--hostname", "sandbox"]


def _drop_privileges() -> list[str]:
    if not as_root():
        return []
    return [
        "/usr/bin/setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
    ]


def _mounts(jail: Jail) -> list[str]:
    tree = _Tree()
    tree.bind("/usr", read_only=True)
    for name in _TOP_DIRS:
        top = Path("/", name)
        if top.is_symlink():
            tree.args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            tree.bind(str(top), read_only=True)
    tree.folder("/etc")
    for name in _ETC + (_ETC_NETWORK if jail.network else ()):
        tree.args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    tree.args += ["--proc", "/proc", "--dev", "/dev"]
    tree.tmpfs("/tmp", jail.disk_mb, perms="1777")
    tree.tmpfs("/dev/shm", jail.disk_mb, perms="1777")
    # After /tmp: a Python (or its venv) under /tmp, as in a CI clone there, stays visible.
    for prefix in _python_prefixes():
        tree.bind(str(prefix), read_only=True)
    where = str(jail.workdir)
    if jail.scratch:
        tree.tmpfs(where, jail.disk_mb, perms="0777" if as_root() else "0700")
    else:
        tree.bind(where, read_only=False)
    for host, inside in jail.files:
        tree.bind(str(host), read_only=True, inside=str(inside))
    return [*tree.args, "--chdir", where]


class _Tree:
    """The mount arguments, creating each folder on the way to a mount point readable by all.

    (bubblewrap would create them for root only, and ``nobody`` could not reach what is mounted.)
    """

    def __init__(self) -> None:
        self.args: list[str] = []
        self._made: set[Path] = {Path("/")}
        self._bound: list[Path] = []
        """Mounted host folders: what lies below them exists already."""

    def bind(self, source: str, *, read_only: bool, inside: str | None = None) -> None:
        dest = inside or source
        self._parents(Path(dest))
        self.args += ["--ro-bind" if read_only else "--bind", source, dest]
        self._made.add(Path(dest))
        self._bound.append(Path(dest))

    def tmpfs(self, dest: str, size_mb: int, *, perms: str) -> None:
        self._parents(Path(dest))
        self.args += ["--perms", perms, "--size", str(size_mb * 1024 * 1024), "--tmpfs", dest]
        self._made.add(Path(dest))

    def folder(self, dest: str) -> None:
        self._parents(Path(dest))
        if Path(dest) not in self._made:
            self.args += ["--perms", "0755", "--dir", dest]
            self._made.add(Path(dest))

    def _parents(self, path: Path) -> None:
        for parent in reversed(path.parents):
            if parent in self._made or any(parent.is_relative_to(b) for b in self._bound):
                continue
            self.args += ["--perms", "0755", "--dir", str(parent)]
            self._made.add(parent)


def _environment(jail: Jail) -> list[str]:
    args = ["--clearenv"]
    for key, value in jail.env.items():
        args += ["--setenv", key, value]
    return args


@functools.cache
def _python_prefixes() -> tuple[Path, ...]:
    """The folders this Python needs (its venv and its base installation) when not under /usr."""
    found: list[Path] = []
    real = Path(os.path.realpath(sys.executable)).parent.parent
    for candidate in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, real):
        path = Path(candidate).resolve()
        if path == Path("/") or any(path.is_relative_to(p) for p in (Path("/usr"), *found)):
            continue
        found = [p for p in found if not p.is_relative_to(path)] + [path]
    return tuple(found)
