"""Errors the user fixes about knowledge bases; each names the command that mends it."""

from __future__ import annotations

from ponder.errors import ConfigError, InputError


class NoDocuments(InputError):
    """The paths given to ``ponder index`` hold nothing that can be read as text."""


class KnowledgeBaseNotFound(ConfigError):
    """No configured or indexed knowledge base has this name."""


class IndexUnusable(ConfigError):
    """The index on disk is missing, corrupt or written by another format version."""

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message, fix=f"run `ponder index --rebuild --name {name}`")
        self.name = name
