"""A real browser for the report and viewer tests: Debian's chromium, headless, driven by Playwright.

Nothing is downloaded: Playwright's own browsers are never installed; ``/usr/bin/chromium`` is
launched with a fresh profile and the network-quiet flags below. Every console error and page
error is collected, so a test can assert the page logged none. Without chromium or Playwright
the tests are skipped, except in CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("PONDER_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class Browser:
    page: Any
    """playwright.sync_api.Page"""
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for."""

    def remote_requests(self, allowed: str = "file://") -> list[str]:
        return [u for u in self.requests if not u.startswith(allowed) and not u.startswith("data:")]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests need it in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def chromium(tmp_path: Path, *, width: int = 1280, height: int = 900) -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright; never `playwright install`)")
    if not Path(CHROMIUM).is_file() and not shutil.which(CHROMIUM):
        _unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    profile = tmp_path / "chromium-profile"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True, viewport={"width": width, "height": height}
        )
        try:
            page = context.new_page()
            browser = Browser(page=page)
            page.on("console", lambda m: browser.errors.append(f"console: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: browser.errors.append(f"page error: {e}"))
            page.on("request", lambda r: browser.requests.append(r.url))
            yield browser
        finally:
            context.close()
