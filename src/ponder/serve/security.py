"""What keeps a server safe to expose: the API key, body limits, and no traceback in any answer.

- ``KeyMiddleware``: every path but ``/healthz`` needs ``Authorization: Bearer <key>`` when a key
  is set; keys are compared in constant time.
- ``read_json``: a body over the limit is refused before it is read whole (413), bad JSON is a 400.
- ``ShieldMiddleware``: an unexpected exception becomes an OpenAI-shaped 500 with a reference;
  the log gets the reference, the exception's type and where it was raised, never its message
  or a traceback (either may carry a secret or a user's data).
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import traceback
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ponder.serve.errors import ApiError, internal

log = logging.getLogger("ponder.serve")
OPEN_PATHS = frozenset({"/healthz"})


class KeyMiddleware:
    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self._expected = f"Bearer {key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        if not hmac.compare_digest(given, self._expected):
            message = (
                "Missing API key: send it as 'Authorization: Bearer <key>'."
                if not given
                else "Incorrect API key provided."
            )
            error = ApiError(401, message, code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})
            await error.response()(scope, receive, send)
            return
        await self.app(scope, receive, send)


class ShieldMiddleware:
    """The outermost layer: nothing unexpected escapes to the client or to uvicorn's log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            reference = log_unexpected(exc)
            if not started:
                await internal(reference).response()(scope, receive, send)


def log_unexpected(exc: BaseException) -> str:
    """Log an unexpected exception without its message or traceback; return the reference given to the client."""
    reference = secrets.token_hex(4)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else "unknown"
    log.error("internal error %s: %s at %s", reference, type(exc).__name__, where)
    return reference


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body, refused with 413 past ``limit`` bytes and 400 when it is not JSON."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400,
            "We could not parse the JSON body of your request. Send valid JSON with 'Content-Type: application/json'.",
            code="invalid_json",
        ) from None


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than this server accepts ({limit:,} bytes).", code="request_too_large")
