"""Ponder's exception families.

Three kinds, kept apart on purpose:
- ``PonderError`` subclasses are things the *user* must fix. Each carries a ``fix``: the
  variable, flag or command that mends it. The CLI prints them in one line, no traceback.
- ``ModelMistake`` subclasses are things the *model* got wrong. They never leave the loop:
  they become observations the model sees on its next step.
- A bug in Ponder is a ``PonderError`` too: ``InternalError``, which names itself as a bug and
  keeps the original exception as its ``__cause__``. Nothing else leaves the library.

Things the user should know that stop nothing (a corrupt cache set aside, say) are
``PonderWarning``s, issued with ``warnings.warn``; the CLI prints them in one line.
"""

from __future__ import annotations


class PonderError(Exception):
    """A problem the user can fix; ``fix`` says how."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message


class ConfigError(PonderError):
    """A config file, flag or environment variable is wrong."""

    exit_code = 3


class BackendError(PonderError):
    """A model backend cannot be used: not installed, not reachable, not authorised, no such model."""

    exit_code = 4


class BackendUnavailable(BackendError):
    """The backend's server does not answer or is too slow."""


class DeadlineExceeded(BackendUnavailable):
    """The run's time limit (``--timeout``) passed while waiting for the model."""


class BackendAuthError(BackendError):
    """The backend refused the credentials."""


class ModelNotFound(BackendError):
    """The backend answers but does not have the model asked for."""


class MissingDependency(PonderError):
    """An optional dependency is not installed; ``fix`` is the install command."""

    exit_code = 4


class ToolDefinitionError(PonderError):
    """A tool cannot be registered as written (for example, an undocumented parameter)."""

    exit_code = 3


class InputError(PonderError):
    """A task file, suite file or argument given to Ponder is invalid."""

    exit_code = 2


ISSUES_URL = "https://github.com/ponder-agents/ponder/issues"


class InternalError(PonderError):
    """A bug in Ponder (an exception Ponder did not expect); ``__cause__`` is the original."""

    exit_code = 70  # EX_SOFTWARE

    @classmethod
    def from_exception(cls, exc: BaseException, *, doing: str = "") -> InternalError:
        import traceback

        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        detail = " ".join(str(exc).split())[:300]
        during = f" while {doing}" if doing else ""
        error = cls(
            f"internal error (a bug in Ponder){during}: {type(exc).__name__}: {detail}{where}",
            fix=f"please report it at {ISSUES_URL} with the command you ran (PONDER_DEBUG=1 shows the traceback)",
        )
        error.__cause__ = exc
        return error


class PonderWarning(UserWarning):
    """Something the user should know that stops nothing (a corrupt file set aside, a line dropped)."""


def warn(message: str) -> None:
    """Issue a ``PonderWarning`` (the CLI prints it as one ``warning:`` line)."""
    import warnings

    warnings.warn(message, PonderWarning, stacklevel=2)


class ModelMistake(Exception):
    """Something the model did wrong; becomes an observation with a hint, never reaches the user."""

    def __init__(self, observation: str) -> None:
        super().__init__(observation)
        self.observation = observation


class ActionParseError(ModelMistake):
    """The model tried to call a tool but its call could not be read."""


class UnknownToolError(ModelMistake):
    """The model named a tool that does not exist."""


class ToolArgumentsError(ModelMistake):
    """The arguments failed the tool's schema."""


class ToolExecutionError(ModelMistake):
    """The tool raised or timed out."""
