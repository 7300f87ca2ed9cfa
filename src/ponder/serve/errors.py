"""Errors as the OpenAI API shapes them: ``{"error": {"message", "type", "param", "code"}}`` and a status.

Every refusal the server makes, on every endpoint, has this one shape, so an OpenAI client raises
its usual exception (``openai.NotFoundError``, ``RateLimitError``...) with a message that says
what to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    """A request the server refuses; becomes an OpenAI-shaped error response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def unknown_model(model: str, known: list[str]) -> ApiError:
    listed = ", ".join(known) or "(none)"
    return ApiError(
        404,
        f"The model '{model}' does not exist on this server. Served models: {listed} (GET /v1/models).",
        code="model_not_found",
        param="model",
    )


def busy(retry_after: int, what: str) -> ApiError:
    return ApiError(
        429,
        f"{what} is busy: its queue is full. Retry after {retry_after}s.",
        type="rate_limit_error",
        code="rate_limit_exceeded",
        headers={"Retry-After": str(retry_after)},
    )


def closing() -> ApiError:
    return ApiError(
        503, "The server is shutting down. Retry shortly.", type="server_error", code="shutting_down", headers={"Retry-After": "5"}
    )


def internal(reference: str) -> ApiError:
    return ApiError(
        500, f"The server had an internal error (reference {reference}); its log says where.", type="server_error", code="internal_error"
    )
