"""The ``openai`` SDK's exceptions as ``PonderError``s that name the fix.

The API key never appears in a message: a 401 is reported without the server's text (some
servers echo part of the key back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ponder.errors import BackendAuthError, BackendError, BackendUnavailable, ModelNotFound

OPENAI_API = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Endpoint:
    """What the messages need to know about where the requests went."""

    model: str
    base_url: str | None
    """None for OpenAI itself."""
    has_key: bool
    timeout: float

    @property
    def where(self) -> str:
        return self.base_url or "the OpenAI API"

    @property
    def env_hint(self) -> str:
        if self.base_url is None:
            return f"{OPENAI_API} (or set OPENAI_BASE_URL to a compatible server)"
        return f"OPENAI_BASE_URL ({self.base_url})"


def translate(exc: Exception, endpoint: Endpoint) -> BackendError | None:
    """The ``BackendError`` for an SDK or transport exception; None for anything else (a bug)."""
    import httpx
    import openai

    where, hint = endpoint.where, endpoint.env_hint
    if isinstance(exc, openai.AuthenticationError):
        fix = "check OPENAI_API_KEY" if endpoint.has_key else "this server wants a key: set OPENAI_API_KEY"
        return BackendAuthError(f"{where} refused the API key (HTTP 401)", fix=fix)
    if isinstance(exc, openai.PermissionDeniedError):
        return BackendAuthError(
            f"{where} refused access to '{endpoint.model}' (HTTP 403): {server_message(exc)}",
            fix="check that OPENAI_API_KEY's project may use this model",
        )
    if isinstance(exc, openai.NotFoundError):
        fix = "check the model name (`ponder models` lists what you can use)"
        if endpoint.base_url is not None:
            fix += f", and that OPENAI_BASE_URL ({endpoint.base_url}) ends in /v1"
        return ModelNotFound(
            f"{where} has no model '{endpoint.model}' (HTTP 404: {server_message(exc)})", fix=fix
        )
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
        return BackendUnavailable(
            f"{where} did not answer within {endpoint.timeout:g}s",
            fix=f"check that the server at {hint} is running and not overloaded, or allow more time with timeout=",
        )
    if isinstance(exc, (openai.APIConnectionError, httpx.TransportError)):
        return BackendUnavailable(
            f"cannot connect to {where}", fix=f"check that the server at {hint} is running"
        )
    if isinstance(exc, openai.RateLimitError):
        return BackendUnavailable(
            f"{where} is rate limiting requests (HTTP 429): {server_message(exc)}",
            fix="wait and retry, or check your plan and billing",
        )
    if isinstance(exc, openai.APIStatusError):
        return BackendError(
            f"{where} answered HTTP {exc.status_code}: {server_message(exc)}",
            fix=f"check the server's log at {hint}"
            if endpoint.base_url
            else "retry; see https://status.openai.com",
        )
    if isinstance(exc, openai.APIError):  # an error event in the middle of a stream
        return BackendError(f"{where} failed mid-answer: {exc.message}", fix="retry the request")
    return None


class EmptyStream(BackendError):
    """The server ended a streamed answer without sending a single chunk (OpenAI always sends one)."""


def refuses_streaming_tools(exc: BaseException) -> bool:
    """Did the server refuse to stream while tools are offered?

    llama.cpp's ``chatml-function-calling`` cannot stream a tool call. Its server (llama-cpp-python
    0.3.36) answers HTTP 200 and then ends the stream with nothing in it once the model picks a
    tool; other versions answer HTTP 500 with a message about streaming.
    """
    import openai

    if isinstance(exc, EmptyStream):
        return True
    cause = exc.__cause__ if isinstance(exc, BackendError) else exc
    return isinstance(cause, openai.APIStatusError) and "stream" in server_message(cause).lower()


def server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(body or getattr(exc, "message", "") or type(exc).__name__)
