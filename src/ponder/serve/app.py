"""The ASGI app: routes, the layers around them, and what starts and stops with it.

Layers, outermost first: the shield (no traceback ever leaves), metrics, CORS (only when origins
are configured), the API key (only when one is set), then the routes. Every refusal is an
OpenAI-shaped error, unknown paths and methods included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ponder.serve.chat_api import chat_completions
from ponder.serve.errors import ApiError
from ponder.serve.metrics import CONTENT_TYPE, Metrics, MetricsMiddleware
from ponder.serve.runs import RunManager
from ponder.serve.runs_api import approve_run, create_run, deny_run, get_run
from ponder.serve.security import KeyMiddleware, ShieldMiddleware
from ponder.serve.served import ServedAgents
from ponder.serve.settings import ServeSettings
from ponder.serve.state import ServeState


def create_app(agents: ServedAgents, settings: ServeSettings | None = None) -> Starlette:
    """The server for ``agents``; ``settings`` default to the agents' own."""
    settings = settings or agents.settings
    settings.check()
    metrics = Metrics()
    metrics.watch(lambda: agents.lanes)
    runs = RunManager(agents, settings, metrics)
    state = ServeState(settings=settings, agents=agents, runs=runs, metrics=metrics)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await runs.drain(0 if runs.closing else settings.shutdown_grace)
        runs.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/models/{model:path}", get_model, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/runs", create_run, methods=["POST"]),
        Route("/v1/runs/{run_id}", get_run, methods=["GET"]),
        Route("/v1/runs/{run_id}/approve", approve_run, methods=["POST"]),
        Route("/v1/runs/{run_id}/deny", deny_run, methods=["POST"]),
    ]
    middleware = [Middleware(ShieldMiddleware), Middleware(MetricsMiddleware, metrics=metrics)]
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                expose_headers=["Ponder-Run-Id", "Ponder-Stop-Reason", "Retry-After"],
            )
        )
    if settings.api_key is not None:
        middleware.append(Middleware(KeyMiddleware, key=settings.api_key.get_secret_value()))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.ponder = state
    return app


async def healthz(request: Request) -> Response:
    state = ServeState.of(request)
    if state.runs.closing:
        return JSONResponse({"status": "closing"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def metrics_text(request: Request) -> Response:
    return Response(ServeState.of(request).metrics.render(), media_type=CONTENT_TYPE)


async def list_models(request: Request) -> Response:
    agents = ServeState.of(request).agents.listed
    return JSONResponse({"object": "list", "data": [_model(s.id, s.created) for s in agents]})


async def get_model(request: Request) -> Response:
    served = ServeState.of(request).served(str(request.path_params["model"]))
    return JSONResponse(_model(served.id, served.created))


def _model(model_id: str, created: int) -> dict[str, object]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": "ponder"}


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: f"Unknown path {request.url.path}.", 405: f"{request.method} is not allowed on {request.url.path}."}
    text = message.get(exc.status_code, exc.detail)
    return ApiError(exc.status_code, text, code="not_found" if exc.status_code == 404 else None).response()
