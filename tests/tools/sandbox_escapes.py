"""Escapes from the python and shell tools' sandbox, each attempted for real.

``python -m tests.tools.sandbox_escapes BASE`` is started with a key in its environment
(``OPENAI_API_KEY``, as a user's shell would pass it) and ``HOME`` pointing into BASE. It
plants what an escape would reach (secret files outside the tool's folder and in $HOME, a TCP
server on loopback, a Unix socket, a process with a marker in its command line), runs every
escape through the real tools, and prints for each whether it got through, as JSON. Tests run
it as root and as an ordinary user. Run with the sandbox off, the same attempts succeed: that
control shows each probe is real.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ponder.tools.builtin.python import python_tools
from ponder.tools.builtin.shell import shell_tools
from ponder.tools.settings import ToolSettings

ESCAPED = "ESCAPED"


@dataclass
class Plant:
    """What escaping code would reach, and the counters that show whether it did."""

    secret: str
    secret_file: Path
    home_file: Path
    home: Path
    outside_dir: Path
    workdir: Path
    port: int
    unix_path: Path
    host_pid: int
    marker: str
    tcp_connections: list[int] = field(default_factory=list)
    unix_connections: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Escape:
    name: str
    tool: str
    """``python`` or ``shell``."""
    code: str
    """Formatted with the plant's fields; prints ESCAPED when it gets through (spelled so that
    the code itself, quoted in a traceback, never contains the word)."""
    side_effect: Callable[[Plant], bool] | None = None
    """True when the escape left a trace outside the sandbox (a connection, a file)."""


@dataclass
class Outcome:
    name: str
    tool: str
    escaped: bool
    output: str


def _tcp(plant: Plant) -> bool:
    return bool(plant.tcp_connections)


def _unix(plant: Plant) -> bool:
    return bool(plant.unix_connections)


def _wrote(plant: Plant) -> bool:
    return any(plant.outside_dir.glob("pwned*")) or any(plant.home.glob("pwned*"))


ROOT = Path(__file__).resolve().parents[2]


def _helper_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), *_site_packages()]),
        **extra,
    }


def python_for(prefix: tuple[str, ...]) -> str | None:
    """A Python that can import Ponder's tools when run with ``prefix`` (another user), or None.

    This Python for this user; for another user the system Python first (a Python installed in
    root's home cannot be mounted into that user's sandbox). ``PONDER_TEST_PYTHON`` picks one by hand.
    """
    ours = [sys.executable, "/usr/bin/python3"]
    candidates = [os.environ.get("PONDER_TEST_PYTHON", ""), *(reversed(ours) if prefix else ours)]
    for python in (c for c in candidates if c and Path(c).exists()):
        probe = subprocess.run(
            [*prefix, python, "-c", "import ponder.tools.builtin.python, tests.tools.sandbox_escapes"],
            cwd="/", env=_helper_env(), capture_output=True, timeout=120,
        )
        if probe.returncode == 0:
            return python
    return None


def run_helper(base: Path, secret: str, *, prefix: tuple[str, ...] = (), python: str = sys.executable) -> dict[str, object]:
    """Run this module in a fresh process (``prefix`` may switch its user) and read its JSON report."""
    env = _helper_env(OPENAI_API_KEY=secret, HOME=str(base / "home"))
    done = subprocess.run(
        [*prefix, python, "-m", "tests.tools.sandbox_escapes", str(base)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the escape helper failed ({done.returncode}): {done.stderr[-2000:]}")
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def _site_packages() -> list[str]:
    import sysconfig

    return [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]


ESCAPES = [
    Escape("parent environ via /proc", "python", (
        "import glob, os\n"
        "paths = ['/proc/%d/environ' % os.getppid(), '/proc/{host_pid}/environ', *glob.glob('/proc/*/environ')]\n"
        "for path in paths:\n"
        "    try:\n"
        "        data = open(path, 'rb').read()\n"
        "    except OSError:\n"
        "        continue\n"
        "    if b'sk-planted-' in data:\n"
        "        print('ESC' 'APED', path)\n"
    )),
    Escape("own environment", "python", "import os\nprint('ESC' 'APED' if 'sk-planted-' in str(os.environ) else 'clean')"),
    Escape("secret file outside the folder", "python", "print('ESC' 'APED', open('{secret_file}').read())"),
    Escape("secret file in $HOME", "python", "print('ESC' 'APED', open('{home_file}').read())"),
    Escape("relative path out of the folder", "python", (
        "import os\n"
        "path = os.path.join(*(['..'] * 12)) + '{secret_file}'\n"
        "print('ESC' 'APED', open(path).read())\n"
    )),
    Escape("loopback TCP server", "python", (
        "import socket\n"
        "socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
        "print('ESC' 'APED')\n"
    ), _tcp),
    Escape("Unix socket outside the folder", "python", (
        "import socket\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.connect('{unix_path}')\n"
        "print('ESC' 'APED')\n"
    ), _unix),
    Escape("write outside the folder", "python", (
        "for path in ('{outside_dir}/pwned.txt', '{home}/pwned.txt'):\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print('ESC' 'APED', path)\n"
        "    except OSError:\n"
        "        pass\n"
    ), _wrote),
    Escape("see other processes", "python", (
        "import glob\n"
        "for path in glob.glob('/proc/[0-9]*/cmdline'):\n"
        "    try:\n"
        "        if b'{marker}' in open(path, 'rb').read():\n"
        "            print('ESC' 'APED', path)\n"
        "    except OSError:\n"
        "        pass\n"
    )),
    Escape("signal the parent", "python", "import os\nos.kill({host_pid}, 0)\nprint('ESC' 'APED')"),
    Escape("shell: parent environ", "shell", "cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -q 'sk-planted-' && echo ESC''APED"),
    Escape("shell: own environment", "shell", "env | grep -q 'sk-planted-' && echo ESC''APED"),
    Escape("shell: secret file", "shell", "cat '{secret_file}' '{home_file}' && echo ESC''APED"),
    Escape("shell: loopback TCP server", "shell", (
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)\" && echo ESC''APED"
    ), _tcp),
    Escape("shell: write outside the folder", "shell", "echo x > '{outside_dir}/pwned-shell.txt' && echo ESC''APED", _wrote),
    # The bracket keeps grep's own command line from matching its pattern.
    Escape("shell: see other processes", "shell", "cat /proc/[0-9]*/cmdline 2>/dev/null | grep -aq '{marker_pattern}' && echo ESC''APED"),
]


@contextlib.contextmanager
def planted(base: Path, secret: str, home: Path) -> Iterator[Plant]:
    """Secret files, servers and a marked process for the escapes to reach; removed afterwards."""
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)  # readable by anyone: only the sandbox keeps code from it
    outside, work = base / "outside", base / "work"
    for folder in (outside, home, work):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o777)
    secret_file, home_file = outside / "secret.txt", home / ".netrc"
    secret_file.write_text(secret)
    home_file.write_text(f"machine api password {secret}")
    tcp = socket.create_server(("127.0.0.1", 0))
    unix_path = base / "agent.sock"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(unix_path))
    unix_path.chmod(0o777)
    unix.listen()
    marker = "ponder-marker-" + secrets.token_hex(6)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", marker])
    plant = Plant(
        secret=secret, secret_file=secret_file, home_file=home_file, home=home, outside_dir=outside, workdir=work,
        port=tcp.getsockname()[1], unix_path=unix_path, host_pid=os.getpid(), marker=marker,
    )
    stop = threading.Event()
    for server, seen in ((tcp, plant.tcp_connections), (unix, plant.unix_connections)):
        threading.Thread(target=_accept, args=(server, seen, stop), daemon=True).start()
    try:
        yield plant
    finally:
        stop.set()
        sleeper.kill()
        sleeper.wait()
        tcp.close()
        unix.close()


def _accept(server: socket.socket, seen: list[int], stop: threading.Event) -> None:
    server.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        seen.append(1)
        conn.close()


def attempt(escape: Escape, plant: Plant, settings: ToolSettings) -> Outcome:
    marker_pattern = f"{plant.marker[:-1]}[{plant.marker[-1]}]"
    code = escape.code.format(**asdict(plant), marker_pattern=marker_pattern)
    plant.tcp_connections.clear()
    plant.unix_connections.clear()
    cwd = Path.cwd()
    try:
        if escape.tool == "python":
            output = str(python_tools(settings)[0].invoke({"code": code}))
        else:
            os.chdir(plant.workdir)
            output = str(shell_tools(settings)[0].invoke({"command": code}))
    finally:
        os.chdir(cwd)
    time.sleep(0.05)  # let the servers' threads record a connection that just happened
    traced = escape.side_effect(plant) if escape.side_effect else False
    escaped = ESCAPED in output or plant.secret in output or traced
    return Outcome(name=escape.name, tool=escape.tool, escaped=escaped, output=output)


def run_all(base: Path, secret: str, home: Path, *, sandbox: bool = True) -> list[Outcome]:
    settings = ToolSettings(python_timeout=10, shell_timeout=10, sandbox=sandbox)
    with planted(base, secret, home) as plant:
        outcomes = []
        for escape in ESCAPES:
            outcomes.append(attempt(escape, plant, settings))
            for leftover in [*plant.outside_dir.glob("pwned*"), *plant.home.glob("pwned*")]:
                leftover.unlink()
        return outcomes


def bounded_abuse(settings: ToolSettings) -> list[Outcome]:
    """Fork bomb and memory hog: not escapes but denial of service, bounded by the limits."""
    tight = replace(settings, python_timeout=3, python_processes=16, python_memory_mb=200)
    tool = python_tools(tight)[0]
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    started = time.perf_counter()
    out = str(tool.invoke({"code": bomb}))
    bomb_ok = out.startswith("Killed") and time.perf_counter() - started < 10
    hog = str(tool.invoke({"code": "block = bytearray(1024 * 1024 * 1024)\nprint('ESC' 'APED')"}))
    counted = str(tool.invoke({"code": _COUNTED_FORKS}))
    forks = int(counted.split()[1]) if counted.startswith("forks ") else -1
    filler = "with open('big', 'wb') as f:\n    for _ in range(200):\n        f.write(b'x' * 1048576)\nprint('ESC' 'APED')"
    disk = str(tool.invoke({"code": filler}))
    return [
        Outcome(name="fork bomb", tool="python", escaped=not bomb_ok, output=out),
        Outcome(name="fork bomb (counted)", tool="python", escaped=not 0 < forks < 16, output=counted),
        Outcome(name="disk filler", tool="python", escaped=ESCAPED in disk, output=disk),
        Outcome(name="memory hog", tool="python", escaped=ESCAPED in hog or "MemoryError" not in hog, output=hog),
    ]


_COUNTED_FORKS = (
    "import os, time\n"
    "forks = 0\n"
    "while forks < 10000:\n"
    "    try:\n"
    "        if os.fork() == 0:\n"
    "            time.sleep(30)\n"
    "            os._exit(0)\n"
    "        forks += 1\n"
    "    except OSError:\n"
    "        break\n"
    "print('forks', forks)\n"
)


def main() -> None:
    """Run every escape as the current user, sandboxed and not; print the outcomes as JSON."""
    base, secret, home = Path(sys.argv[1]), os.environ["OPENAI_API_KEY"], Path(os.environ["HOME"])
    report = {
        "uid": os.geteuid(),
        "sandboxed": [asdict(o) for o in run_all(base / "sandboxed", secret, home)],
        "control": [asdict(o) for o in run_all(base / "control", secret, home, sandbox=False)],
        "bounded": [asdict(o) for o in bounded_abuse(ToolSettings())],
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
