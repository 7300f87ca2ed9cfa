"""The ``openai`` SDK's exceptions as ``PonderError``s that name the fix, and as retry ``Fault``s.

The API key never appears in a message: a 401 is reported without the server's text (some
servers echo part of the key back), and every other server text is redacted (``ponder.redact``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ponder.backends.retry import EmptyReply, Fault, connection_fault, deadline_error, status_fault
from ponder.backends.transport import Attempt
from ponder.errors import BackendAuthError, BackendError, BackendUnavailable, ModelNotFound
from ponder.redact import redact

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
        return timeout_error(endpoint)
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
        return BackendError(f"{where} failed mid-answer: {redact(exc.message)}", fix="retry the request")
    return None


def classify(
    exc: BaseException, attempt: Attempt, produced: bool, endpoint: Endpoint, *, tools: bool, typed: bool = False
) -> Fault | None:
    """The fault behind an exception the SDK (or httpx under it) raised; None for anything else.

    ``typed``: the request carried a ``response_format``; a server that refuses it (even with a
    500, as llama-cpp-python does) is not asked again the same way: the backend changes dialect.
    """
    import httpx
    import openai

    from ponder.backends.openai.response_format import refuses_response_format

    where, hint = endpoint.where, endpoint.env_hint
    if attempt.expired():
        return Fault(deadline_error(where, attempt.deadline, f"check the server at {hint}, or allow more time with --timeout"))
    if isinstance(exc, openai.APIStatusError):
        error = translate(exc, endpoint)
        if error is None or (tools and refuses_streaming_tools(exc)) or (typed and refuses_response_format(exc)):
            return Fault(error or BackendError(str(exc)), retryable=False)
        return status_fault(exc.status_code, error, exc.response.headers)
    if isinstance(exc, openai.APIConnectionError) and exc.__cause__ is not None:
        exc = exc.__cause__  # the transport's own exception says what happened
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
        return Fault(timeout_error(endpoint))
    if isinstance(exc, (openai.APIConnectionError, httpx.TransportError)):
        return connection_fault(exc, attempt, produced, where, fix=f"check that the server at {hint} is running")
    if isinstance(exc, openai.APIError):  # an error event in the middle of a stream
        return Fault(BackendError(f"{where} failed mid-answer: {redact(exc.message)}", fix="retry the request"), retryable=not produced)
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError, IndexError)):
        return Fault(unreadable(exc, attempt, where, fix=f"check that {hint} is an OpenAI-compatible server (its /v1 URL)"))
    return None


def unreadable(exc: BaseException, attempt: Attempt, where: str, *, fix: str) -> BackendError:
    """An answer the client could not read: invalid JSON, or JSON of the wrong shape."""
    import json

    detail = " ".join(str(exc).split())[:160]
    if isinstance(exc, json.JSONDecodeError):
        return BackendError(f"{where} sent an answer that is not valid JSON ({detail})", fix=fix)
    body = _body(attempt)
    if isinstance(body, dict) and body.get("choices") == []:
        return EmptyReply(f"{where} answered with no choices (an empty answer)", fix="retry; check the server's log")
    return BackendError(f"{where} sent an answer Ponder cannot read ({type(exc).__name__}: {detail})", fix=fix)


def _body(attempt: Attempt) -> Any:
    import json

    response = attempt.last_response
    try:
        return json.loads(response.content) if response is not None else None
    except Exception:  # a streamed body that was not read, or not JSON
        return None


def timeout_error(endpoint: Endpoint) -> BackendUnavailable:
    """The backend's own per-request timeout (``timeout=``) passed; the run's deadline is named elsewhere."""
    return BackendUnavailable(
        f"{endpoint.where} did not answer within {endpoint.timeout:g}s",
        fix=f"check that the server at {endpoint.env_hint} is running and not overloaded, or allow more time with timeout=",
    )


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
    """The server's own words about an error, secrets redacted (servers echo keys back)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return redact(str(body["message"]))
    return redact(str(body or getattr(exc, "message", "") or type(exc).__name__))
