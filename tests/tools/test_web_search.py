"""web_search: DuckDuckGo through ddgs, replayed from a recorded results page; failures become clear messages.

The replay patches ddgs's own HTTP layer (``HttpClient.request``), so ddgs's real DuckDuckGo
engine, parser and ranking run on the page; nothing leaves the machine. The live test runs
only with PONDER_LIVE_WEB=1.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ponder.tools.builtin.web_search import WebSearchError, make_web_search, web_search_tools
from ponder.tools.settings import ToolSettings

RECORDED = (Path(__file__).parent / "data" / "ddg_html_python.html").read_text(encoding="utf-8")


@dataclass
class FakeResponse:
    status_code: int
    text: str = ""
    content: bytes = b""


class Replay:
    """Stands in for DuckDuckGo's HTML endpoint: one prepared response (or error), every request recorded."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.response: FakeResponse | Exception = FakeResponse(200, RECORDED, RECORDED.encode())


@pytest.fixture
def ddg_http(monkeypatch: pytest.MonkeyPatch) -> Replay:
    from ddgs import http_client

    replay = Replay()

    def request(self: object, method: str, url: str, *args: object, **kwargs: Any) -> object:
        replay.sent.append((method, url, kwargs))
        if isinstance(replay.response, Exception):
            raise replay.response
        return replay.response

    monkeypatch.setattr(http_client.HttpClient, "request", request)
    return replay


def search(query: str, max_results: int = 5) -> str:
    tool = web_search_tools(ToolSettings(search_timeout=3))[0]
    return str(tool.invoke(tool.validate({"query": query, "max_results": max_results})))


def test_results_come_back_as_title_url_and_snippet(ddg_http: Replay) -> None:
    out = search("python programming language", max_results=2)
    blocks = out.split("\n")
    assert blocks[0].startswith("1. ") and blocks[3].startswith("2. ")
    assert "   https://www.python.org/" in blocks
    assert "   The official home of the Python Programming Language." in blocks
    assert out.count("https://") == 2
    method, url, kwargs = ddg_http.sent[0]
    assert (method, url) == ("POST", "https://html.duckduckgo.com/html/")
    assert kwargs["data"]["q"] == "python programming language"


def test_no_results_say_so(ddg_http: Replay) -> None:
    ddg_http.response = FakeResponse(200, "<html><body><div id='links'></div></body></html>")
    assert search("xyzzy plugh").startswith("No results for 'xyzzy plugh'")


def test_a_refused_request_is_a_clear_message(ddg_http: Replay) -> None:
    ddg_http.response = FakeResponse(202, "")  # DuckDuckGo's answer when it rate-limits
    assert "(or the search service refused the request)" in search("python")


def test_offline_is_a_clear_message_not_a_crash(ddg_http: Replay) -> None:
    from ddgs.exceptions import DDGSException

    ddg_http.response = DDGSException("ConnectError: error sending request: dns error")
    with pytest.raises(WebSearchError, match="the web search failed, probably no network"):
        search("python")


def test_a_timeout_is_a_clear_message(ddg_http: Replay) -> None:
    from ddgs.exceptions import TimeoutException

    ddg_http.response = TimeoutException("operation timed out")
    with pytest.raises(WebSearchError, match="the search timed out"):
        search("python")


def test_rate_limit_errors_say_to_wait() -> None:
    from ddgs.exceptions import RatelimitException

    class Limited:
        def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
            raise RatelimitException("202 Ratelimit")

    tool = make_web_search(ToolSettings(), client=lambda timeout: Limited())
    with pytest.raises(WebSearchError, match="rate-limiting requests; wait a minute"):
        tool.invoke({"query": "python"})


def test_a_hanging_search_is_abandoned_at_the_timeout() -> None:
    class Hanging:
        def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
            time.sleep(5)
            return []

    tool = make_web_search(ToolSettings(search_timeout=0.5), client=lambda timeout: Hanging())
    started = time.perf_counter()
    with pytest.raises(WebSearchError, match="did not answer within 0.5s"):
        tool.invoke({"query": "python"})
    assert time.perf_counter() - started < 3


def test_an_empty_query_is_refused() -> None:
    tool = make_web_search(ToolSettings(), client=lambda timeout: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(WebSearchError, match="the query is empty"):
        tool.invoke({"query": "  "})


@pytest.mark.live
@pytest.mark.skipif(os.environ.get("PONDER_LIVE_WEB") != "1", reason="set PONDER_LIVE_WEB=1 to search the real web")
def test_live_search_returns_results() -> None:
    out = search("python programming language", max_results=3)
    assert "https://" in out, out
