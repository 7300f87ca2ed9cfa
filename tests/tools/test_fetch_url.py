"""fetch_url: readable text from real HTTP, bounded in size and time; other schemes and local addresses refused."""

from __future__ import annotations

import re
import time

import pytest

from ponder.tools.base import Tool
from ponder.tools.builtin._netguard import BlockedURL
from ponder.tools.builtin.fetch_url import FetchError, fetch_url_tools
from ponder.tools.settings import ToolSettings
from tests.tools.conftest import Site

ARTICLE = """<html><head><title>Otters</title><style>p {color: red}</style></head>
<body><nav>Home | About</nav><h1>Sea otters</h1><p>Sea otters hold hands
while they sleep.</p><script>track()</script><ul><li>Fur</li><li>Tools</li></ul></body></html>"""


def local(**overrides: object) -> Tool:
    options: dict[str, object] = {"allow_private": True, "fetch_timeout": 3, **overrides}
    return fetch_url_tools(ToolSettings(**options))[0]  # type: ignore[arg-type]


def test_html_becomes_readable_text_with_the_title(site: Site) -> None:
    site.page("/otters", ARTICLE)
    out = local().invoke({"url": f"{site.url}/otters"})
    assert out == (
        f"URL: {site.url}/otters\nTitle: Otters\n\n"
        "# Sea otters\n\nSea otters hold hands while they sleep.\n\n- Fur\n- Tools"
    )


def test_plain_text_and_json_are_returned_as_is(site: Site) -> None:
    site.page("/data", '{"a": 1}', content_type="application/json")
    assert local().invoke({"url": f"{site.url}/data"}).endswith('\n\n{"a": 1}')


def test_long_pages_come_in_parts_with_an_offset(site: Site) -> None:
    site.page("/long", "<p>" + "word " * 2000 + "</p>")
    tool = local()
    first = tool.invoke({"url": f"{site.url}/long"})
    assert "(characters 0-4000 of 9,999; call again with offset=4000 for more)" in first
    last = tool.invoke({"url": f"{site.url}/long", "offset": 8000})
    assert "(characters 8000-9999 of 9,999)" in last


def test_downloads_stop_at_the_size_limit(site: Site) -> None:
    site.page("/huge", "a" * 500_000, content_type="text/plain")
    out = local(fetch_max_bytes=10_000).invoke({"url": f"{site.url}/huge"})
    assert "of 10,000;" in out
    assert "(the page was longer than 10,000 bytes; only the start was downloaded)" in out


def test_a_slow_server_is_given_up_on(site: Site) -> None:
    site.page("/slow", "late", delay=3)
    started = time.perf_counter()
    with pytest.raises(FetchError, match="did not answer within 1s"):
        local(fetch_timeout=1).invoke({"url": f"{site.url}/slow"})
    assert time.perf_counter() - started < 2.5


def test_http_errors_and_binary_content_are_explained(site: Site) -> None:
    site.page("/img", b"\x89PNG\x00\x00", content_type="image/png")
    with pytest.raises(FetchError, match="answered HTTP 404"):
        local().invoke({"url": f"{site.url}/missing"})
    assert local().invoke({"url": f"{site.url}/img"}).endswith("is image/png (6 bytes), not text; it cannot be shown")


@pytest.mark.parametrize(
    "url, reason",
    [
        ("file:///etc/passwd", "only http:// and https:// URLs can be fetched, not file"),
        ("ftp://example.com/x", "not ftp"),
        ("javascript:alert(1)", "not javascript"),
        ("http://127.0.0.1:9/", "'127.0.0.1' is a loopback address"),
        ("http://localhost/", "'localhost' is a loopback address"),
        ("http://[::1]/", "'::1' is a loopback address"),
        ("http://169.254.169.254/latest/meta-data", "is a link-local address"),
        ("http://10.1.2.3/", "is a private address"),
        ("http://192.168.0.1/", "is a private address"),
        ("http://[::ffff:127.0.0.1]/", "is a loopback address (127.0.0.1)"),
    ],
)
def test_other_schemes_and_local_addresses_are_refused_by_default(url: str, reason: str) -> None:
    tool = fetch_url_tools(ToolSettings())[0]
    with pytest.raises(BlockedURL, match=re.escape(reason)):
        tool.invoke({"url": url})


def test_file_urls_are_refused_even_when_local_addresses_are_allowed() -> None:
    with pytest.raises(BlockedURL, match="not file"):
        local().invoke({"url": "file:///etc/passwd"})


def test_every_redirect_is_checked_again(site: Site) -> None:
    site.redirect("/to-file", "file:///etc/passwd")
    site.page("/final", "<p>arrived</p>")
    site.redirect("/hop", "/final")
    with pytest.raises(BlockedURL, match="not file"):
        local().invoke({"url": f"{site.url}/to-file"})
    assert local().invoke({"url": f"{site.url}/hop"}).endswith("arrived")


def test_redirect_loops_stop(site: Site) -> None:
    site.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match="too many redirects"):
        local().invoke({"url": f"{site.url}/loop"})


def test_allow_private_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_FETCH_ALLOW_PRIVATE", "1")
    assert ToolSettings.configured().allow_private
    monkeypatch.setenv("PONDER_FETCH_ALLOW_PRIVATE", "0")
    assert not ToolSettings.configured().allow_private
