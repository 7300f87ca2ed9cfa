"""MCP: tools of real MCP servers (tests/fakes/mcp_server.py) over stdio and streamable HTTP become Ponder tools."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ponder.config import McpServerConfig
from ponder.errors import ToolArgumentsError
from ponder.tools import mcp as ponder_mcp
from ponder.tools.mcp import McpToolError
from ponder.tools.registry import Registry, load_registry
from ponder.tools.selection import resolve_tools

SERVER = str(Path(__file__).parents[1] / "fakes" / "mcp_server.py")


def stdio_config(**servers: dict[str, object]) -> dict[str, McpServerConfig]:
    return {name: McpServerConfig.model_validate(server) for name, server in servers.items()}


@pytest.fixture(scope="module")
def stdio_registry() -> Iterator[Registry]:
    config = stdio_config(fake={"command": sys.executable, "args": [SERVER]})
    yield load_registry(mcp_servers=config)
    ponder_mcp.close_all()


def test_server_tools_are_listed_with_their_source_and_schema(stdio_registry: Registry) -> None:
    tools = {n: t for n, t in stdio_registry.tools.items() if t.source == "mcp:fake"}
    assert set(tools) == {"add", "shout", "fail", "slow"}
    assert tools["add"].signature() == "add(a: integer, b: integer)"
    assert tools["add"].description == "Add two integers."
    assert stdio_registry.warnings == []


def test_calls_are_forwarded_and_arguments_validated_first(stdio_registry: Registry) -> None:
    add = stdio_registry.tools["add"]
    assert add.invoke(add.validate({"a": 2, "b": "40"})) == "42"
    assert stdio_registry.tools["shout"].invoke({"text": "quiet"}) == "QUIET"
    with pytest.raises(ToolArgumentsError, match="'b' is required"):
        add.validate({"a": 1})


def test_a_tool_error_on_the_server_is_an_error_for_the_model(stdio_registry: Registry) -> None:
    with pytest.raises(McpToolError, match="failed on purpose: because"):
        stdio_registry.tools["fail"].invoke({"reason": "because"})


def test_a_slow_call_times_out_and_the_connection_keeps_working(stdio_registry: Registry) -> None:
    connection = next(iter(ponder_mcp._POOL.values()))
    with pytest.raises(McpToolError, match="did not answer within 0.5s"):
        connection.call("slow", {"seconds": 2}, timeout=0.5)
    assert connection.call("add", {"a": 1, "b": 1}) == "2"


def test_select_a_whole_server_by_name(stdio_registry: Registry) -> None:
    config = stdio_config(fake={"command": sys.executable, "args": [SERVER]})
    selection = resolve_tools(["mcp:fake"], mcp_servers=config)
    assert sorted(t.name for t in selection.tools) == ["add", "fail", "shout", "slow"]
    assert [t.name for t in resolve_tools(None, mcp_servers=config).tools][:2] == ["calculator", "add"]


def test_the_same_tool_names_from_a_second_server_are_renamed(stdio_registry: Registry) -> None:
    config = stdio_config(
        fake={"command": sys.executable, "args": [SERVER]}, other={"command": sys.executable, "args": [SERVER]}
    )
    registry = load_registry(mcp_servers=config)
    assert registry.tools["other_add"].source == "mcp:other"
    assert registry.tools["other_add"].invoke({"a": 3, "b": 4}) == "7"


def test_a_server_that_cannot_start_is_a_warning_naming_it_and_its_command() -> None:
    config = stdio_config(
        missing={"command": "ponder-no-such-mcp-server", "args": ["--flag"]},
        crashing={"command": sys.executable, "args": ["-c", "import sys; sys.stderr.write('bad token\\n'); sys.exit(2)"]},
        empty={},
    )
    registry = load_registry(mcp_servers=config)
    assert "calculator" in registry.tools
    text = "\n".join(registry.warnings)
    assert "MCP server 'missing' (command ponder-no-such-mcp-server --flag) failed to start: FileNotFoundError" in text
    assert "MCP server 'crashing'" in text and "its stderr ends: bad token" in text
    assert "MCP server 'empty': set either 'command' (stdio) or 'url' (streamable HTTP)" in text


def test_servers_are_not_started_when_the_selection_does_not_need_them() -> None:
    config = stdio_config(missing={"command": "ponder-no-such-mcp-server-2"})
    selection = resolve_tools(["calculator"], mcp_servers=config)
    assert [t.name for t in selection.tools] == ["calculator"] and selection.warnings == []
    assert "ponder-no-such-mcp-server-2" in resolve_tools(None, mcp_servers=config).warnings[0]


def test_ponder_tools_shows_server_tools_and_start_failures(
    stdio_registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ponder.cli.main import main

    (tmp_path / "ponder.toml").write_text(
        f'[mcp.fake]\ncommand = "{sys.executable}"\nargs = ["{SERVER}"]\n\n[mcp.broken]\ncommand = "ponder-nothing-here"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["tools"]) == 0
    out = capsys.readouterr().out
    assert any(line.split()[:3] == ["add", "on", "mcp:fake"] for line in out.splitlines())
    assert "warning: MCP server 'broken' (command ponder-nothing-here) failed to start" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, SERVER, "http", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp"
    ponder_mcp.close_all()
    proc.terminate()
    proc.wait(timeout=10)


def test_streamable_http_servers_work_the_same(http_server: str) -> None:
    config = stdio_config(remote={"url": http_server})
    registry = load_registry(mcp_servers=config)
    assert registry.tools["add"].source == "mcp:remote"
    assert registry.tools["add"].invoke({"a": 20, "b": 22}) == "42"


def test_an_unreachable_http_server_is_a_warning() -> None:
    config = stdio_config(gone={"url": f"http://127.0.0.1:{_free_port()}/mcp"})
    warnings = load_registry(mcp_servers=config).warnings
    assert warnings and warnings[0].startswith("MCP server 'gone' (url http://127.0.0.1:")
