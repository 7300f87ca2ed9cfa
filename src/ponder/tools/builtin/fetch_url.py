"""fetch_url: HTTP GET a web page and return it as readable text (opt-in).

Bounded three ways: only http(s) URLs to public addresses (unless allowed for local use),
a byte limit on the download and a time limit on the whole fetch. Every connection goes
through ``_netguard``'s guarded backend, which judges the address actually connected to;
redirects are followed by hand so each hop's URL is checked again. Long pages are returned
a part at a time (``offset``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from ponder.tools.base import Tool
from ponder.tools.builtin._httpx_guard import guarded_transport
from ponder.tools.builtin._netguard import AddressPolicy, check_url
from ponder.tools.settings import ToolSettings

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
PAGE_CHARS = 4000
USER_AGENT = "ponder-fetch/0.1 (+https://pypi.org/project/ponder)"


class FetchError(RuntimeError):
    """The page could not be fetched; the message is the observation the model reads."""


@dataclass(frozen=True)
class Page:
    url: str
    content_type: str
    body: bytes
    cut: bool


def fetch_url_tools(settings: ToolSettings) -> list[Tool]:
    def fetch_url(url: str, offset: int = 0) -> str:
        """Fetch a web page (HTTP GET) and return its text; long pages come in parts.

        Args:
            url: the page's full http:// or https:// URL
            offset: the character to start from, for the next part of a long page (0 is the start)
        """
        page = fetch(url, settings=settings)
        return render(page, offset=max(offset, 0), max_bytes=settings.fetch_max_bytes)

    return [Tool.from_function(fetch_url, opt_in=True, timeout=settings.fetch_timeout + 5)]


def fetch(url: str, *, settings: ToolSettings, policy: AddressPolicy | None = None) -> Page:
    """GET ``url``, following redirects by hand; ``policy`` (tests) replaces the resolver or the judge."""
    import httpx

    policy = policy or AddressPolicy(allow_private=settings.allow_private)
    deadline = time.monotonic() + settings.fetch_timeout
    timeout = httpx.Timeout(settings.fetch_timeout)
    client = httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        transport=guarded_transport(policy),
        trust_env=False,
    )
    with client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, allow_private=policy.allow_private, judge=policy.judge)
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(str(response.url), response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"{url} answered HTTP {response.status_code} {response.reason_phrase}")
                    body, cut = _read(response, settings.fetch_max_bytes, deadline)
                    return Page(url=str(response.url), content_type=response.headers.get("content-type", ""), body=body, cut=cut)
            except httpx.TimeoutException:
                raise FetchError(f"{url} did not answer within {settings.fetch_timeout:g}s") from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from None
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) starting from the given URL")


def _read(response: httpx.Response, max_bytes: int, deadline: float) -> tuple[bytes, bool]:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= max_bytes:
            return bytes(body[:max_bytes]), True
        if time.monotonic() > deadline:
            raise FetchError(f"{response.url} was too slow: stopped after {len(body):,} bytes")
    return bytes(body), False


def render(page: Page, *, offset: int, max_bytes: int) -> str:
    kind = page.content_type.split(";")[0].strip().lower()
    charset = _charset(page.content_type)
    if kind in ("text/html", "application/xhtml+xml") or (not kind and page.body.lstrip()[:1] == b"<"):
        from ponder.tools.builtin._html import html_to_text

        title, text = html_to_text(page.body.decode(charset, errors="replace"))
    elif kind.startswith("text/") or kind in ("application/json", "application/xml") or kind.endswith(("+json", "+xml")):
        title, text = "", page.body.decode(charset, errors="replace")
    else:
        return f"{page.url} is {kind or 'of unknown type'} ({len(page.body):,} bytes), not text; it cannot be shown"
    part = text[offset : offset + PAGE_CHARS]
    lines = [f"URL: {page.url}"]
    if title:
        lines.append(f"Title: {title}")
    end = offset + len(part)
    if offset or end < len(text):
        more = f"; call again with offset={end} for more" if end < len(text) else ""
        lines.append(f"(characters {offset}-{end} of {len(text):,}{more})")
    if page.cut:
        lines.append(f"(the page was longer than {max_bytes:,} bytes; only the start was downloaded)")
    return "\n".join(lines) + "\n\n" + (part or "(no text at this offset)")


def _charset(content_type: str) -> str:
    import codecs

    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            name = value.strip().strip('"')
            try:
                return codecs.lookup(name).name
            except LookupError:
                break
    return "utf-8"
