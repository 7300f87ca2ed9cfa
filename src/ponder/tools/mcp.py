"""Tools from MCP servers (``[mcp.NAME]`` in ponder.toml), through the ``mcp`` SDK.

Each configured server is connected once per process and kept open: a stdio server runs as a
subprocess (``command``/``args``/``env``), a streamable-HTTP server is reached at ``url``. The
connection lives on its own event-loop thread, so Ponder's synchronous tools can call it from
any thread. Its tools become Ponder Tools (source ``mcp:NAME``, schema from the server's
``inputSchema``) whose calls are forwarded. A server that fails to start, or answers too
slowly, becomes a warning naming the server and its command; it never stops Ponder.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import json
import logging
import tempfile
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ponder.tools.base import Tool

if TYPE_CHECKING:
    from ponder.config import McpServerConfig

log = logging.getLogger(__name__)

CALL_TIMEOUT = 120.0


class McpToolError(RuntimeError):
    """The server answered a call with an error; the message is the observation the model reads."""


class McpStartError(RuntimeError):
    """The server could not be started or listed (a warning for the user, never raised out of the registry)."""


class McpConnection:
    """One open connection to one MCP server, on a private event-loop thread."""

    def __init__(self, name: str, config: McpServerConfig) -> None:
        self.name = name
        self.config = config
        self.tools: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        # the server's stderr: kept out of the user's terminal, quoted when the server fails to start
        self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._thread = threading.Thread(target=self._run, name=f"ponder-mcp-{name}", daemon=True)

    def describe(self) -> str:
        if self.config.url:
            return f"url {self.config.url}"
        return "command " + " ".join([self.config.command or "?", *self.config.args])

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, timeout: float) -> None:
        """Connect and list the tools; raises ``McpStartError`` naming the server and what went wrong."""
        if not self.config.url and not self.config.command:
            raise McpStartError(f"MCP server '{self.name}': set either 'command' (stdio) or 'url' (streamable HTTP)")
        self._thread.start()
        if not self._ready.wait(timeout):
            self.close()
            raise McpStartError(f"MCP server '{self.name}' ({self.describe()}) did not answer within {timeout:g}s")
        if self._error is not None:
            detail = _first_line(self._error)
            stderr = self._stderr_tail()
            raise McpStartError(
                f"MCP server '{self.name}' ({self.describe()}) failed to start: {detail}"
                + (f"; its stderr ends: {stderr}" if stderr else "")
            )

    def close(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop already stopped
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive():
            self._thread.join(timeout=6)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # recorded, reported by start()
            self._error = self._error or exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        from mcp import Client

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with Client(self._transport()) as client:
            self._client = client
            listing = await client.list_tools()
            self.tools = list(listing.tools)
            self._ready.set()
            await self._stop.wait()

    def _transport(self) -> Any:
        if self.config.url:
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(self.config.url)
        from mcp import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=self.config.command or "", args=list(self.config.args), env=dict(self.config.env) or None
        )
        return stdio_client(params, errlog=self._errlog)

    def _stderr_tail(self) -> str:
        try:
            self._errlog.seek(0)
            lines = [ln.strip() for ln in self._errlog.read().splitlines() if ln.strip()]
        except (OSError, ValueError):
            return ""
        return lines[-1][:200] if lines else ""

    # -- calls -------------------------------------------------------------------------------------
    def call(self, tool_name: str, arguments: Mapping[str, Any], timeout: float = CALL_TIMEOUT) -> str:
        if self._loop is None or self._client is None or self._error is not None or not self._thread.is_alive():
            raise McpToolError(f"the MCP server '{self.name}' is not connected any more")
        future = asyncio.run_coroutine_threadsafe(self._client.call_tool(tool_name, dict(arguments)), self._loop)
        try:
            result = future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise McpToolError(f"{tool_name} on MCP server '{self.name}' did not answer within {timeout:g}s") from None
        except Exception as exc:
            raise McpToolError(f"{tool_name} on MCP server '{self.name}' failed: {_first_line(exc)}") from None
        text = render_result(result)
        if getattr(result, "is_error", False):
            raise McpToolError(text or f"{tool_name} reported an error")
        return text


def render_result(result: Any) -> str:
    """The call's content as text: text parts joined, other parts named, structured content as JSON."""
    parts: list[str] = []
    for item in getattr(result, "content", None) or []:
        kind = getattr(item, "type", "")
        if kind == "text":
            parts.append(str(item.text))
        elif kind in ("image", "audio"):
            parts.append(f"[{kind}: {getattr(item, 'mime_type', '') or getattr(item, 'mimeType', '')}]")
        elif kind == "resource_link":
            parts.append(f"[resource: {getattr(item, 'uri', '')}]")
        else:
            parts.append(f"[{kind or 'content'}]")
    structured = getattr(result, "structured_content", None)
    if not parts and structured is not None:
        parts.append(json.dumps(structured, ensure_ascii=False, default=str))
    return "\n".join(parts)


def _first_line(exc: BaseException) -> str:
    inner = exc
    while isinstance(inner, BaseExceptionGroup) and inner.exceptions:  # anyio task groups wrap the cause
        inner = inner.exceptions[0]
    text = str(inner).strip() or type(inner).__name__
    return f"{type(inner).__name__}: {text.splitlines()[0][:300]}"


# -- the process-wide pool ---------------------------------------------------------------------------
_POOL: dict[str, McpConnection] = {}
_FAILED: dict[str, str] = {}
_LOCK = threading.Lock()


def _key(name: str, config: McpServerConfig) -> str:
    return f"{name}:{config.model_dump_json()}"


def connect(name: str, config: McpServerConfig, *, timeout: float) -> McpConnection:
    """The open connection for this server and config, started on first use (a failure is remembered)."""
    key = _key(name, config)
    with _LOCK:
        if key in _POOL:
            return _POOL[key]
        if key in _FAILED:
            raise McpStartError(_FAILED[key])
        connection = McpConnection(name, config)
        try:
            connection.start(timeout)
        except McpStartError as exc:
            _FAILED[key] = str(exc)
            log.warning("%s; its tools are left out", exc)
            raise
        log.info("MCP server '%s' (%s) started: %d tools", name, connection.describe(), len(connection.tools))
        _POOL[key] = connection
        return connection


def mcp_tools(servers: Mapping[str, McpServerConfig], *, timeout: float) -> tuple[list[Tool], list[str]]:
    """Tools of every configured server, and one warning per server that could not be used."""
    tools: list[Tool] = []
    warnings: list[str] = []
    try:
        import mcp  # noqa: F401
    except ImportError:
        names = ", ".join(servers)
        return [], [f"MCP servers configured ({names}) but the mcp package is not installed: pip install mcp"]
    for name, config in servers.items():
        try:
            connection = connect(name, config, timeout=timeout)
        except McpStartError as exc:
            warnings.append(str(exc))
            continue
        for spec in connection.tools:
            try:
                tools.append(_as_tool(connection, spec))
            except Exception as exc:  # a schema we cannot model: skip that tool, keep the others
                warnings.append(f"MCP server '{name}': tool '{getattr(spec, 'name', '?')}' skipped: {_first_line(exc)}")
    return tools, warnings


def _as_tool(connection: McpConnection, spec: Any) -> Tool:
    remote_name = str(spec.name)
    schema = getattr(spec, "input_schema", None) or getattr(spec, "inputSchema", None) or {"type": "object"}

    def forward(**arguments: Any) -> str:
        return connection.call(remote_name, arguments)

    description = " ".join(str(spec.description or remote_name).split())
    function = {"name": remote_name, "description": description, "parameters": schema}
    return Tool.from_json_schema(function, forward, source=f"mcp:{connection.name}")


def close_all() -> None:
    """Stop every server this process started (also run at exit)."""
    with _LOCK:
        connections = list(_POOL.values())
        _POOL.clear()
        _FAILED.clear()
    for connection in connections:
        connection.close()


atexit.register(close_all)
