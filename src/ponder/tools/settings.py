"""The limits and permissions the built-in tools run under, read once from config and environment.

Tool factories (entry points that build tools) receive a ``ToolSettings``; nothing else in a
tool reads global state, so a test builds a tool with exactly the settings it means.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

ALLOW_PRIVATE_ENV = "PONDER_FETCH_ALLOW_PRIVATE"
SANDBOX_ENV = "PONDER_SANDBOX"
SANDBOX_NETWORK_ENV = "PONDER_SANDBOX_NETWORK"


@dataclass(frozen=True, kw_only=True)
class ToolSettings:
    file_roots: tuple[Path, ...] = field(default_factory=lambda: (Path.cwd(),))
    """Directories ``read_file``/``list_files`` may see (resolved, symlinks followed)."""
    max_file_bytes: int = 1_000_000
    allow_private: bool = False
    """Let ``fetch_url`` reach loopback, private and link-local addresses (local development)."""
    fetch_timeout: float = 15.0
    fetch_max_bytes: int = 2_000_000
    search_timeout: float = 10.0
    search_results: int = 5
    python_timeout: float = 20.0
    python_memory_mb: int = 512
    python_processes: int = 64
    """RLIMIT_NPROC for code the ``python`` tool runs: a fork bomb hits it instead of the machine."""
    shell_timeout: float = 30.0
    sandbox: bool = True
    """Run ``python`` and ``shell`` code in a bubblewrap sandbox (``PONDER_SANDBOX=off`` turns it off)."""
    sandbox_network: bool = False
    """Let sandboxed code reach the network (``PONDER_SANDBOX_NETWORK=1``)."""
    sandbox_disk_mb: int = 64
    """Size of each in-memory folder sandboxed code may write (``/tmp``, the ``python`` tool's folder)."""
    output_bytes: int = 20_000
    """Largest stdout/stderr kept from ``python`` and ``shell``; the rest is cut with a note."""
    mcp_timeout: float = 20.0
    """Seconds an MCP server may take to start and list its tools."""

    @classmethod
    def configured(
        cls, *, file_roots: Sequence[str] = (), tool_timeout: float | None = None, cwd: Path | None = None
    ) -> ToolSettings:
        """Roots from ``file_roots`` (relative to the working directory), timeouts capped by ``tool_timeout``."""
        base = cwd or Path.cwd()
        settings = cls(
            file_roots=(base,),
            allow_private=_flag(ALLOW_PRIVATE_ENV),
            sandbox=os.environ.get(SANDBOX_ENV, "").strip().lower() not in ("0", "off", "false", "no"),
            sandbox_network=_flag(SANDBOX_NETWORK_ENV),
        )
        if file_roots:
            settings = replace(settings, file_roots=tuple(base / Path(r).expanduser() for r in file_roots))
        cap = tool_timeout
        if cap:
            settings = replace(
                settings,
                python_timeout=min(settings.python_timeout, cap),
                shell_timeout=min(settings.shell_timeout, cap),
                fetch_timeout=min(settings.fetch_timeout, cap),
                search_timeout=min(settings.search_timeout, cap),
            )
        return settings


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
