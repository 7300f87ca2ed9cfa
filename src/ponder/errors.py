"""Ponder's exception families.

Three kinds, kept apart on purpose:
- ``PonderError`` subclasses are things the *user* must fix. Each carries a ``fix``: the
  variable, flag or command that mends it. The CLI prints them in one line, no traceback.
- ``ModelMistake`` subclasses are things the *model* got wrong. They never leave the loop:
  they become observations the model sees on its next step.
- Anything else that escapes is a bug in Ponder and is raised as is.
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


class ExecutorError(PonderError):
    """What runs the cases cannot be used: no Ray cluster at the address, actors that cannot start."""

    exit_code = 4


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
