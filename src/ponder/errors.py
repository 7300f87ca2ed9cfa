"""Ponder's exception families.

Three kinds, kept apart on purpose:
- ``PonderError`` subclasses are things the *user* must fix. Each carries a ``fix``: the
  variable, flag or command that mends it. The CLI prints them in one line, no traceback.
- ``ModelMistake`` is something the *model* got wrong (its ``MistakeKind`` says what). It never
  leaves the loop: it becomes an observation the model sees on its next step.
- Anything else that escapes is a bug in Ponder and is raised as is.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """Every exit code of the ``ponder`` command, in one place (``ponder --help`` lists them)."""

    OK = 0
    NO_ANSWER = 1
    USAGE = 2
    CONFIG = 3
    BACKEND = 4
    EVAL_ERRORS = 10
    EVAL_BELOW_MIN = 11
    EVAL_REGRESSION = 12
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.NO_ANSWER: "the run ended without an answer (a limit was hit) or an unexpected failure",
    ExitCode.USAGE: "bad usage: flags, task file, suite file",
    ExitCode.CONFIG: "configuration error (ponder.toml, tool definitions)",
    ExitCode.BACKEND: "model backend unusable: not installed, not reachable, not authorised, no such model",
    ExitCode.EVAL_ERRORS: "eval: some cases errored",
    ExitCode.EVAL_BELOW_MIN: "eval: score below --min-score",
    ExitCode.EVAL_REGRESSION: "eval: significant regression against --baseline",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}


class PonderError(Exception):
    """A problem the user can fix; ``fix`` says how."""

    exit_code = ExitCode.NO_ANSWER

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message


class ConfigError(PonderError):
    """A config file, flag or environment variable is wrong."""

    exit_code = ExitCode.CONFIG


class BackendError(PonderError):
    """A model backend cannot be used: not installed, not reachable, not authorised, no such model."""

    exit_code = ExitCode.BACKEND


class BackendUnavailable(BackendError):
    """The backend's server does not answer or is too slow."""


class BackendAuthError(BackendError):
    """The backend refused the credentials."""


class ModelNotFound(BackendError):
    """The backend answers but does not have the model asked for."""


class MissingDependency(PonderError):
    """An optional dependency is not installed; ``fix`` is the install command."""

    exit_code = ExitCode.BACKEND


class ToolDefinitionError(PonderError):
    """A tool cannot be registered as written (for example, an undocumented parameter)."""

    exit_code = ExitCode.CONFIG


class InputError(PonderError):
    """A task file, suite file or argument given to Ponder is invalid."""

    exit_code = ExitCode.USAGE


class MistakeKind(StrEnum):
    """What the model got wrong in one step (``ToolCallRecord.error_kind``, ``ModelMistakeEvent.kind``)."""

    PARSE = "parse"
    """It tried to call a tool but the call could not be read."""
    NOT_CALLED = "not_called"
    """It described a tool call in words instead of making it."""
    EMPTY = "empty"
    """Its reply was empty."""
    UNKNOWN_TOOL = "unknown_tool"
    BAD_ARGUMENTS = "bad_arguments"
    """The arguments failed the tool's schema."""
    TOOL_ERROR = "tool_error"
    """The tool raised."""
    TIMEOUT = "timeout"
    """The tool did not finish in time."""
    REPEATED = "repeated"
    """It repeated a call it had already made."""
    REFUSED = "refused"
    """The call needed approval and was not approved."""


class ModelMistake(Exception):
    """Something the model did wrong; becomes an observation with a hint, never reaches the user."""

    kind = MistakeKind.PARSE

    def __init__(self, observation: str) -> None:
        super().__init__(observation)
        self.observation = observation


class ToolArgumentsError(ModelMistake):
    """The arguments failed the tool's schema."""

    kind = MistakeKind.BAD_ARGUMENTS
