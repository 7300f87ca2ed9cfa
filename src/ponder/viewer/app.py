"""The viewer's Starlette app: the index, a run's timeline, an eval run's report, two compared.

Bound to loopback by the CLI; the app also refuses requests whose ``Host`` is not a loopback
name, so a web page in the user's browser cannot read the records through DNS rebinding.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ponder.evals.html_report import to_html
from ponder.viewer import pages
from ponder.viewer.catalog import Catalog

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def create_app(root: Path, *, allowed_hosts: list[str] | None = None) -> Starlette:
    """The app over the records of the project at ``root``; ``allowed_hosts`` defaults to loopback names."""
    catalog = Catalog(root)

    async def index(request: Request) -> HTMLResponse:
        return _html(pages.index_page(catalog))

    async def run(request: Request) -> HTMLResponse:
        run_id = request.path_params["run_id"]
        record = catalog.run(run_id)
        if record is None:
            return _html(pages.not_found(f"No run record '{run_id}' in {catalog.runs_dir}."), 404)
        return _html(pages.run_page(record))

    async def eval_run(request: Request) -> HTMLResponse:
        eval_id = request.path_params["eval_id"]
        report = catalog.eval_report(eval_id)
        if report is None:
            return _html(pages.not_found(f"No eval log '{eval_id}' in {catalog.evals_dir}."), 404)
        return _html(to_html(report, nav=pages.BACK))

    async def compare(request: Request) -> HTMLResponse:
        a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
        first, second = catalog.eval_report(a), catalog.eval_report(b)
        if first is None or second is None:
            return _html(pages.not_found(f"Cannot compare '{a}' with '{b}': pick two eval logs on the index page."), 404)
        return _html(to_html(second, baseline=first, nav=pages.BACK, tab="compare"))

    routes = [
        Route("/", index),
        Route("/runs/{run_id}", run),
        Route("/evals/{eval_id}", eval_run),
        Route("/compare", compare),
    ]
    hosts = allowed_hosts if allowed_hosts is not None else LOOPBACK_HOSTS
    return Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)])
