"""Ponder's exception families.

Three kinds, kept apart on purpose:
- ``PonderError`` subclasses are things the *user* must fix. Each carries a ``fix``: the
  variable, flag or command that mends it. The CLI prints them in one line, no traceback.
- ``ModelMistake`` is something the *model* got wrong (its ``MistakeKind`` says what). It never
  leaves the loop: it becomes an observation the model sees on its next step.
- A bug in Ponder is a ``PonderError`` too: ``InternalError``, which names itself as a bug and
  keeps the original exception as its ``__cause__``. Nothing else leaves the library.

Things the user should know that stop nothing (a corrupt cache set aside, say) are
``PonderWarning``s, issued with ``warnings.warn``; the CLI prints them in one line.
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
    EVAL_REPLAYED = 13
    INTERNAL = 70
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.NO_ANSWER: "the run ended without an answer (a limit was hit)",
    ExitCode.USAGE: "bad usage: flags, task file, suite file",
    ExitCode.CONFIG: "configuration error (ponder.toml, tool definitions)",
    ExitCode.BACKEND: "model backend (or Ray cluster) unusable: not installed, not reachable, not authorised, no such model",
    ExitCode.EVAL_ERRORS: "eval: some cases errored",
    ExitCode.EVAL_BELOW_MIN: "eval: score below --min-score",
    ExitCode.EVAL_REGRESSION: "eval: significant regression against --baseline",
    ExitCode.EVAL_REPLAYED: "eval: --require-live, but some runs took replies from the cache",
    ExitCode.INTERNAL: "internal error: a bug in Ponder (please report it)",
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


class DeadlineExceeded(BackendUnavailable):
    """The run's time limit (``--timeout``) passed while waiting for the model."""


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
    BY_HAND = "by_hand"
    """It did arithmetic by hand while a tool that computes was there (asked once to use it)."""
    WRONG_SUMS = "wrong_sums"
    """Its answer works arithmetic out wrongly (sent back once with the right values)."""
    UNCOVERED = "uncovered"
    """Its first calls leave out numbers the task gives: they did not run, and it was asked once for
    all the calls the task needs, in one reply."""
    UNKNOWN_TOOL = "unknown_tool"
    BAD_ARGUMENTS = "bad_arguments"
    """The arguments failed the tool's schema."""
    TOOL_ERROR = "tool_error"
    """The tool raised."""
    TIMEOUT = "timeout"
    """The tool did not finish in time."""
    REPEATED = "repeated"
    """It repeated a call it had already made."""
    UNGROUNDED = "ungrounded"
    """Its first call's values appear nowhere in the conversation (asked once whether a tool fits)."""
    REFUSED = "refused"
    """The call needed approval and was not approved."""
    INVALID_OUTPUT = "invalid_output"
    """The answer did not match the agent's ``output_type`` (sent back once with the problem)."""
    AGENT_STOPPED = "agent_stopped"
    """An agent used as a tool stopped without an answer (a limit, a failure inside it)."""


class ExecutorError(PonderError):
    """What runs the cases cannot be used: no Ray cluster at the address, actors that cannot start."""

    exit_code = ExitCode.BACKEND

ISSUES_URL = "https://github.com/ponder-agents/ponder/issues"


class InternalError(PonderError):
    """A bug in Ponder (an exception Ponder did not expect); ``__cause__`` is the original."""

    exit_code = ExitCode.INTERNAL  # 70, EX_SOFTWARE

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

    kind = MistakeKind.PARSE

    def __init__(self, observation: str) -> None:
        super().__init__(observation)
        self.observation = observation


class ToolArgumentsError(ModelMistake):
    """The arguments failed the tool's schema."""

    kind = MistakeKind.BAD_ARGUMENTS
