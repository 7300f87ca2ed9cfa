"""web_search: DuckDuckGo results (title, URL, snippet) through the ``ddgs`` package (opt-in).

Needs the ``web`` extra (``pip install 'ponder[web]'``). Offline, timed out or rate-limited
searches become a clear message for the model, never a crash. The search runs in a worker
thread with its own deadline, because a stalled engine inside ddgs can outlast ddgs's timeout.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, Protocol

from ponder.tools.base import Tool
from ponder.tools.settings import ToolSettings

BACKEND = "duckduckgo"


class SearchClient(Protocol):
    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]: ...


class WebSearchError(RuntimeError):
    """The search could not be done; the message is the observation the model reads."""


def _ddgs_client(timeout: float) -> SearchClient:
    try:
        from ddgs import DDGS
    except ImportError:
        raise WebSearchError(
            "web search is not installed on this machine (the user can run: pip install 'ponder[web]')"
        ) from None
    return DDGS(timeout=max(1, int(timeout)))


def web_search_tools(settings: ToolSettings) -> list[Tool]:
    return [make_web_search(settings)]


def make_web_search(settings: ToolSettings, client: Callable[[float], SearchClient] | None = None) -> Tool:
    """The tool; ``client`` builds the search client from a timeout (tests pass a fake, the default is ddgs)."""
    make_client = client or _ddgs_client
    timeout = settings.search_timeout

    def web_search(query: str, max_results: int = 5) -> str:
        """Search the web (DuckDuckGo) and return the top results: title, URL and a snippet each.

        Args:
            query: what to search for, in a few keywords
            max_results: how many results to return (1 to 10)
        """
        if not query.strip():
            raise WebSearchError("the query is empty; say what to search for")
        count = min(max(max_results, 1), 10)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ponder-search")
        future = pool.submit(_search, make_client(timeout), query.strip(), count)
        try:
            results = future.result(timeout=timeout + 1)
        except concurrent.futures.TimeoutError:
            raise WebSearchError(f"the search did not answer within {timeout:g}s; try again later") from None
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return format_results(query, results[:count])

    return Tool.from_function(web_search, opt_in=True, timeout=timeout + 5)


def _search(client: SearchClient, query: str, count: int) -> list[dict[str, Any]]:
    try:
        return client.text(query, max_results=count, backend=BACKEND)
    except Exception as exc:  # ddgs's exceptions, told apart by name so ddgs stays a lazy import
        kinds = {cls.__name__ for cls in type(exc).__mro__}
        message = str(exc)
        if "RatelimitException" in kinds:
            raise WebSearchError("the search service is rate-limiting requests; wait a minute or answer without searching") from None
        if "TimeoutException" in kinds:
            raise WebSearchError("the search timed out (the network may be slow or offline); try again later") from None
        if "DDGSException" in kinds and "No results" in message:
            return []
        raise WebSearchError(
            f"the web search failed, probably no network or the service refused the request ({message[:200]})"
        ) from None


def format_results(query: str, results: list[dict[str, Any]]) -> str:
    if not results:
        return f"No results for '{query}' (or the search service refused the request). Try other keywords."
    blocks = []
    for number, item in enumerate(results, start=1):
        title = " ".join(str(item.get("title") or "(no title)").split())
        url = str(item.get("href") or item.get("url") or "")
        snippet = " ".join(str(item.get("body") or "").split())
        blocks.append(f"{number}. {title}\n   {url}\n   {snippet}".rstrip())
    return "\n".join(blocks)
