"""Hide secrets in text that reaches Ponder from outside: tool results, server errors, model replies.

Two kinds of secret are replaced with ``[redacted]``:
- the values of environment variables whose names look secret (``*KEY*``, ``*TOKEN*``,
  ``*SECRET*``, ``*PASSWORD*``, ``*PASSWD*``, ``*CREDENTIAL*``), 8 characters or longer, wherever
  they appear;
- well-known key shapes, wherever they come from: ``sk-...`` API keys, ``Bearer ...`` tokens,
  GitHub, AWS, Slack, Google and Hugging Face tokens, JWTs, PEM private keys, and
  ``api_key=...`` / ``password: ...`` assignments.

``redact(text)`` reads the environment each time (cheaply), so a key set later is hidden too.
For text that arrives in pieces (a model's streamed reply), ``Redactor.held_tail`` says how much
of the end to hold back because it may still grow into a secret, and ``redact_piece`` redacts a
released piece in the light of what came before it: released pieces never show part of a
secret (``backends.base.TextGuard`` does this for every backend).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"
SECRET_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
MIN_SECRET_CHARS = 8

_TOKEN_CHARS = r"A-Za-z0-9_\-.~+/="
# (prefix kept, secret replaced): each alternative keeps its first group and hides its second.
_SHAPES = re.compile(
    r"(\b)(sk-(?:proj-|ant-|live-|test-|svcacct-)?(?=[A-Za-z0-9_\-]*\d)[A-Za-z0-9_\-]{20,})"
    r"|(\b(?:Bearer|bearer|BEARER)[ \t]+)((?=[" + _TOKEN_CHARS + r"]*\d)[" + _TOKEN_CHARS + r"]{8,})"
    r"|(\b)(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"
    r"|(\b)(AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16})"
    r"|(\b)(xox[abposr]-[A-Za-z0-9\-]{10,})"
    r"|(\b)(AIza[0-9A-Za-z_\-]{35})"
    r"|(\b)(hf_[A-Za-z0-9]{30,})"
    r"|(\b)(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})"
    r"|(-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----)([\s\S]*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|\Z))"
    r"|(\b(?i:api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|password|passwd)"
    r"[\"']?[ \t]*[:=][ \t]*[\"']?)([^\s\"',;]{8,})"
)
# A tail that may be the start of a shaped secret still being written: a run of token
# characters, perhaps after the words that announce one ("Bearer ", "password: ").
_CONTEXT = re.compile(
    r"(?:\b(?:Bearer|bearer|BEARER)[ \t]+"
    r"|\b(?i:api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|password|passwd)"
    r"[\"']?[ \t]*[:=]?[ \t]*[\"']?)\Z"
)
_RUN = re.compile("[" + _TOKEN_CHARS + "]*")
_WORD_START = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z0-9_]")
_KEY_STARTS = (
    "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "AKIA", "ASIA",
    "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "AIza", "hf_", "eyJ",
)
_MAX_HELD_RUN = 4096
"""A run of token characters longer than this is released even if unfinished (no key is this long)."""
_PEM_WINDOW = 8192


def _looks_secret(name: str) -> bool:
    upper = name.upper()
    return any(part in upper for part in SECRET_NAME_PARTS)


def env_secrets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The values of the secret-looking variables in ``environ`` (default: this process's)."""
    env = os.environ if environ is None else environ
    return tuple(sorted({v for k, v in env.items() if _looks_secret(k) and len(v) >= MIN_SECRET_CHARS}))


class Redactor:
    """Replaces the given secrets and every well-known key shape with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        kept = sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)
        self.secrets = tuple(kept)
        self._literal = re.compile("|".join(re.escape(s) for s in kept)) if kept else None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Redactor:
        return _cached(env_secrets(environ))

    def redact(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(REDACTED, text)
        return _SHAPES.sub(_keep_prefix, text)

    def redact_piece(self, piece: str, before: str) -> str:
        """``piece`` redacted, reading ``before`` (text already shown) for the words that announce a
        secret ("Bearer ", "password: "); nothing in ``before`` is changed or returned."""
        if self._literal is not None:
            piece = self._literal.sub(REDACTED, piece)
        if not before:
            return _SHAPES.sub(_keep_prefix, piece)
        edge = len(before)

        def inside(m: re.Match[str]) -> str:
            secret = next(i for i in range(2, len(m.groups()) + 1, 2) if m.group(i) is not None)
            return _keep_prefix(m) if m.start(secret) >= edge else m.group(0)

        return _SHAPES.sub(inside, before + piece)[edge:]

    def held_tail(self, text: str) -> int:
        """How many characters at the end of ``text`` may still become a secret (to hold back)."""
        held = 0
        for secret in self.secrets:  # the end of the text is the start of a known secret
            window = text[-(len(secret) - 1) :] if len(secret) > 1 else ""
            at = window.find(secret[0])
            while at >= 0:
                if secret.startswith(window[at:]):
                    held = max(held, len(window) - at)
                    break
                at = window.find(secret[0], at + 1)
        tail = _RUN.match(text[-1 : -_MAX_HELD_RUN - 2 : -1])  # read backwards from the end
        run = tail.end() if tail else 0
        if run > _MAX_HELD_RUN:
            return held
        run_start = len(text) - run
        start = len(text)
        for m in _WORD_START.finditer(text, run_start):  # where a key could begin inside the run
            if _may_begin_secret(text[m.start() :]):
                start = m.start()
                break
        context = _CONTEXT.search(text, max(0, run_start - 64), run_start)
        if context is not None:
            start = min(start, context.start())
        pem = text.rfind("-----BEGIN", max(0, len(text) - _PEM_WINDOW))
        if pem >= 0 and "-----END" not in text[pem:]:
            start = min(start, pem)
        return max(held, len(text) - start)


def _may_begin_secret(word: str) -> bool:
    """Could ``word`` (the end of the text) still grow into a key of a known shape?"""
    return any(p.startswith(word) or word.startswith(p) for p in _KEY_STARTS)


@functools.lru_cache(maxsize=8)
def _cached(secrets: tuple[str, ...]) -> Redactor:
    return Redactor(secrets)


def _keep_prefix(m: re.Match[str]) -> str:
    groups = m.groups()
    for i in range(0, len(groups), 2):
        if groups[i + 1] is not None:
            return (groups[i] or "") + REDACTED
    return REDACTED


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with the environment's secrets and every well-known key shape replaced."""
    return Redactor.from_env(environ).redact(text) if text else text


def redact_data(value: Any, redactor: Redactor | None = None) -> Any:
    """``redact`` applied to every string inside a JSON-like value (dicts, lists, tuples)."""
    redactor = redactor or Redactor.from_env()
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, dict):
        return {redactor.redact(k) if isinstance(k, str) else k: redact_data(v, redactor) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_data(v, redactor) for v in value)
    return value
