"""The python and shell tools' sandbox: every escape attempted for real, as root and as an ordinary user.

The attempts live in ``tests/tools/sandbox_escapes.py``; each runs in a fresh process started
with a key in its environment, as a user would run Ponder. With the sandbox off (the control)
the same attempts get through, so each probe can fail.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ponder.tools.builtin import _isolation
from ponder.tools.builtin._isolation import SandboxUnavailable
from ponder.tools.builtin.python import python_tools
from ponder.tools.builtin.shell import shell_tools
from ponder.tools.settings import ToolSettings
from tests.tools.sandbox_escapes import ESCAPES, python_for, run_helper

ORDINARY_UID = 4242
NAMES = [e.name for e in ESCAPES]
NOT_ESCAPES_UNSANDBOXED = {"own environment"}
"""The python tool never passed its environment on, sandbox or not."""


def _report(uid: int | None) -> Iterator[dict[str, Any]]:
    """Run the escape helper as ``uid`` (None: as this process's user) in a folder it owns."""
    prefix: tuple[str, ...] = ()
    if uid is not None:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("needs setpriv (util-linux) to run as an ordinary user")
        prefix = (setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--")
    python = python_for(prefix)
    if python is None:
        pytest.skip(f"no Python that uid {uid} can run imports Ponder from {Path.cwd()} (set PONDER_TEST_PYTHON)")
    base = Path(tempfile.mkdtemp(prefix="ponder-escapes-"))
    base.chmod(0o755)
    if uid is not None:
        os.chown(base, uid, uid)
    try:
        yield run_helper(base, "sk-planted-" + secrets.token_hex(16), prefix=prefix, python=python)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def as_root() -> Iterator[dict[str, Any]]:
    if os.geteuid() != 0:
        pytest.skip("Ponder does not run as root here")
    yield from _report(None)


@pytest.fixture(scope="module")
def as_user() -> Iterator[dict[str, Any]]:
    yield from _report(ORDINARY_UID if os.geteuid() == 0 else None)


def _outcome(report: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in report[kind] if o["name"] == name)


@pytest.mark.parametrize("name", NAMES)
def test_the_escape_is_blocked_when_ponder_runs_as_root(as_root: dict[str, Any], name: str) -> None:
    outcome = _outcome(as_root, "sandboxed", name)
    assert not outcome["escaped"], outcome["output"]


@pytest.mark.parametrize("name", NAMES)
def test_the_escape_is_blocked_when_ponder_runs_as_an_ordinary_user(as_user: dict[str, Any], name: str) -> None:
    assert as_user["uid"] != 0
    outcome = _outcome(as_user, "sandboxed", name)
    assert not outcome["escaped"], outcome["output"]


@pytest.mark.parametrize("name", [n for n in NAMES if n not in NOT_ESCAPES_UNSANDBOXED])
def test_without_the_sandbox_the_same_attempt_gets_through(as_user: dict[str, Any], name: str) -> None:
    """The control: each probe really reaches what it aims at when nothing stops it."""
    assert _outcome(as_user, "control", name)["escaped"]


@pytest.mark.parametrize("name", ["fork bomb", "fork bomb (counted)", "memory hog", "disk filler"])
def test_runaway_code_is_bounded_as_root_and_as_an_ordinary_user(
    as_root: dict[str, Any], as_user: dict[str, Any], name: str
) -> None:
    for report in (as_root, as_user):
        outcome = _outcome(report, "bounded", name)
        assert not outcome["escaped"], outcome["output"]


def test_the_code_runs_as_an_unprivileged_user_with_no_capabilities() -> None:
    tool = python_tools(ToolSettings())[0]
    out = tool.invoke({"code": "import os\nprint(os.getuid(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])"})
    uid, caps = out.split()
    assert int(uid) != 0 and int(uid) == _isolation.sandbox_uid()
    assert int(caps, 16) == 0


def test_the_python_tools_folder_is_limited_in_size() -> None:
    tool = python_tools(ToolSettings(sandbox_disk_mb=8))[0]
    out = tool.invoke({"code": "open('big', 'wb').write(b'x' * 20_000_000)"})
    assert "No space left on device" in out


def test_the_network_can_be_allowed() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=3)\nprint('connected')"
    try:
        assert python_tools(ToolSettings(sandbox_network=True))[0].invoke({"code": code}) == "connected"
        assert "ConnectionRefusedError" in python_tools(ToolSettings())[0].invoke({"code": code})
    finally:
        server.close()


def test_the_shell_sees_its_working_folder_and_nothing_around_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "project"
    work.mkdir()
    work.chmod(0o777)
    (work / "notes.txt").write_text("inside\n")
    (tmp_path / "beside.txt").write_text("outside")
    monkeypatch.chdir(work)
    shell = shell_tools(ToolSettings())[0]
    assert shell.invoke({"command": "cat notes.txt; echo made > new.txt; ls .."}) == "inside\nproject"
    assert (work / "new.txt").read_text() == "made\n"


def test_the_shell_refuses_the_root_folder_as_its_working_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    with pytest.raises(SandboxUnavailable, match="/ as its working folder"):
        shell_tools(ToolSettings())[0].invoke({"command": "ls"})


@pytest.fixture
def fresh_check() -> Iterator[None]:
    _isolation.check_available.cache_clear()
    yield
    _isolation.check_available.cache_clear()


def test_without_bubblewrap_the_tools_refuse_and_name_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_check: None
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no bwrap on it
    for tool in (python_tools(ToolSettings())[0], shell_tools(ToolSettings())[0]):
        with pytest.raises(SandboxUnavailable, match="bubblewrap") as caught:
            tool.invoke({"code": "print(1)"} if tool.name == "python" else {"command": "echo 1"})
        assert "apt-get install bubblewrap" in caught.value.fix and "PONDER_SANDBOX=off" in caught.value.fix


def test_a_bubblewrap_that_cannot_make_namespaces_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_check: None
) -> None:
    """What bwrap says where user namespaces are disabled, from a stand-in bwrap (the machine's are enabled)."""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with pytest.raises(SandboxUnavailable, match="No permissions to creating new namespace") as caught:
        python_tools(ToolSettings())[0].invoke({"code": "print(1)"})
    assert "PONDER_SANDBOX=off" in caught.value.fix


def test_the_loop_shows_the_refusal_to_the_model_and_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_check: None
) -> None:
    from ponder.agents.agent import Agent
    from ponder.backends.scripted import Scripted, ScriptedBackend
    from ponder.tools.approval import ApprovalPolicy

    monkeypatch.setenv("PATH", str(tmp_path))
    backend = ScriptedBackend([Scripted(tool_calls=[("python", {"code": "print(1)"})]), "no sandbox, no code"])
    agent = Agent(backend, tools=python_tools(ToolSettings()), approve=ApprovalPolicy.build(yes=True))
    record = agent.run("run it").trajectory[0]
    assert not record.ok
    assert "apt-get install bubblewrap" in record.output


def test_the_sandbox_can_be_turned_off_and_on_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ToolSettings.configured().sandbox
    monkeypatch.setenv("PONDER_SANDBOX", "off")
    assert not ToolSettings.configured().sandbox
    monkeypatch.setenv("PONDER_SANDBOX_NETWORK", "1")
    assert ToolSettings.configured().sandbox_network


def test_a_python_installed_under_tmp_is_mounted_over_the_sandboxs_own_tmp(monkeypatch: pytest.MonkeyPatch) -> None:
    # A CI clone in /tmp has its venv there: mounted before the in-memory /tmp, it was hidden
    # ("setpriv: failed to execute /tmp/ci/.venv/bin/python").
    from ponder.tools.builtin import _isolation

    monkeypatch.setattr(_isolation, "_python_prefixes", lambda: (Path("/tmp/ci/.venv"),))
    args = _isolation._mounts(_isolation.Jail(workdir=Path("/tmp/work"), scratch=True))
    tmp = next(i for i in range(len(args)) if args[i] == "--tmpfs" and args[i + 1] == "/tmp")
    venv = args.index("/tmp/ci/.venv")
    assert args[venv - 1] == "--ro-bind" and venv > tmp
