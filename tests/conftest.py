"""Test-wide guards: no test reaches beyond loopback, and no test sees the developer's config."""

from __future__ import annotations

import os
import socket

import pytest

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
        raise ConnectionRefusedError(f"tests may only reach loopback, not {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    for var in ("PONDER_MODEL", "PONDER_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL", "PONDER_PROMPTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    # An Ollama host that nothing listens on, unless a test sets its own.
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")


# -- no false green: under `make test`, a test that cannot run fails instead of skipping -------------
STRICT_ENV = "PONDER_TESTS_REQUIRE_ALL"
"""Set by `make test` (and so by CI): every real component a test needs must be there."""
OUTSIDE_SERVICES = ("OLLAMA_HOST", "PONDER_LIVE_WEB")
"""Skips that wait for a service beyond this machine (a real Ollama, the real web) stay skips."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get(STRICT_ENV)) or hasattr(report, "wasxfail"):
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(service in reason for service in OUTSIDE_SERVICES):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped under {STRICT_ENV}=1, but `make test` must run every test: {reason}"
