"""The response cache: a ``Backend`` wrapper that records what a model said and replays it.

Keyed by the full request (see ``fingerprints``), so a rerun of an unchanged suite makes no
model calls and returns the very same replies: reruns are free and deterministic. Failed
calls are never stored. Replies live in one sqlite file (``.ponder/cache/evals.sqlite3``),
safe to share between threads (one connection behind a lock) and between processes (WAL).

The same file holds whole runs (``runs`` table) so an unchanged case can be replayed without
re-running its loop and tools at all; see ``fingerprints.run_key`` for what must match.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ponder.backends.base import Backend, ModelReply, ModelRequest, NativeToolCall, TextGuard, Usage
from ponder.evals.cache_db import CacheDatabase
from ponder.evals.fingerprints import backend_identity, jsonable, request_key

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path(".ponder") / "cache"


class CacheTables(Protocol):
    """What reads and writes the cache: a ``CacheStore``, or a remote worker's view of the driver's."""

    def get(self, table: str, key: str) -> str | None: ...

    def put(self, table: str, key: str, value: str) -> None: ...


class CacheStore:
    """Key -> JSON text, in two tables: model responses and whole runs.

    Writes are buffered and committed together (every ``FLUSH_EVERY`` seconds or ``FLUSH_SIZE``
    rows, and on ``close``): one transaction instead of one per reply. A crash loses at most the
    last fraction of a second of cache, which only means those calls are made again.
    """

    FLUSH_EVERY = 0.25
    FLUSH_SIZE = 128

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], str] = {}
        self._last_flush = time.monotonic()
        self._db = CacheDatabase(path, TABLES)  # sets a damaged file aside and starts afresh
        self.unreadable = 0
        """Rows that could not be read back (treated as misses)."""

    @classmethod
    def in_dir(cls, directory: Path) -> CacheStore:
        return cls(directory / "evals.sqlite3")

    def get(self, table: str, key: str) -> str | None:
        with self._lock:
            pending = self._pending.get((table, key))
            if pending is not None:
                return pending
            rows = self._db.execute(f"SELECT value FROM {_table(table)} WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def put(self, table: str, key: str, value: str) -> None:
        with self._lock:
            self._pending[(_table(table), key)] = value
            if len(self._pending) >= self.FLUSH_SIZE or time.monotonic() - self._last_flush >= self.FLUSH_EVERY:
                self._flush()

    def count(self, table: str) -> int:
        with self._lock:
            self._flush()
            return int(self._db.execute(f"SELECT COUNT(*) FROM {_table(table)}")[0][0])

    def close(self) -> None:
        with self._lock:
            self._flush()
            self._db.close()

    def _flush(self) -> None:
        """Commit the buffered rows in one transaction (the caller holds the lock)."""
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        rows = [(table, key, value) for (table, key), value in self._pending.items()]
        self._pending.clear()
        self._db.write(rows)


TABLES = ("responses", "runs")


def _table(name: str) -> str:
    if name not in TABLES:
        raise ValueError(f"no cache table {name!r}")
    return name


@dataclass
class CachedResponse:
    deltas: list[str]
    reply: ModelReply


def reply_to_json(deltas: list[str], reply: ModelReply) -> str:
    return json.dumps(
        {
            "deltas": deltas,
            "text": reply.text,
            "tool_calls": [{"id": c.id, "name": c.name, "arguments": jsonable(c.arguments)} for c in reply.tool_calls],
            "usage": {
                "prompt_tokens": reply.usage.prompt_tokens,
                "completion_tokens": reply.usage.completion_tokens,
                "prompt_tokens_evaluated": reply.usage.prompt_tokens_evaluated,
            },
            "finish_reason": reply.finish_reason,
            "message": None if reply.message is None else jsonable(reply.message.model_dump(mode="json")),
        },
        ensure_ascii=False,
    )


def reply_from_json(raw: str) -> CachedResponse:
    data: dict[str, Any] = json.loads(raw)
    message = None
    if data.get("message") is not None:
        from llama_index.core.base.llms.types import ChatMessage

        message = ChatMessage.model_validate(data["message"])
    reply = ModelReply(
        text=data["text"],
        tool_calls=[NativeToolCall(id=c["id"], name=c["name"], arguments=c["arguments"]) for c in data["tool_calls"]],
        usage=Usage(**data["usage"]),
        finish_reason=data.get("finish_reason", "stop"),
        message=message,
    )
    return CachedResponse(deltas=list(data["deltas"]), reply=reply)


class CachingBackend(Backend):
    """Wraps any backend; ``repeat`` joins the key so repeats of a case are separate samples."""

    def __init__(self, inner: Backend, store: CacheTables, *, repeat: int = 0, identity: dict[str, Any] | None = None) -> None:
        self.inner = inner
        self.store = store
        self.repeat = repeat
        self.provider = inner.provider
        self.model = inner.model
        self.capabilities = inner.capabilities
        self.key_identity = identity or backend_identity(inner)
        self.hits = 0
        self.misses = 0

    @property
    def llm(self) -> LLM:
        return self.inner.llm

    def identity(self) -> dict[str, Any]:
        return self.inner.identity()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, request: ModelRequest) -> Iterator[str | ModelReply]:
        key = request_key(self.key_identity, request, self.repeat)
        raw = self.store.get("responses", key)
        cached = _readable(raw, self.store) if raw is not None else None
        if cached is not None:
            self.hits += 1
            log.debug("response cache hit for %s (key %s): replayed, no model call", self.model, key[:12])
            yield from _replay(cached, request)
            return
        self.misses += 1
        log.debug("response cache miss for %s (key %s): asking the model", self.model, key[:12])
        deltas: list[str] = []
        reply: ModelReply | None = None
        for item in self.inner.stream(request):
            if isinstance(item, ModelReply):
                reply = item
            else:
                deltas.append(item)
            yield item
        if reply is not None:  # only complete replies are stored; failures raise before this
            self.store.put("responses", key, reply_to_json(deltas, reply))

    def close(self) -> None:
        self.inner.close()


def _readable(raw: str, store: CacheTables) -> CachedResponse | None:
    """A stored reply, or None (a miss) when its row cannot be read back; the first such row is reported."""
    try:
        return reply_from_json(raw)
    except (ValueError, KeyError, TypeError) as exc:
        if not isinstance(store, CacheStore):  # a remote worker's view: the driver reports its own rows
            return None
        store.unreadable += 1
        if store.unreadable == 1:
            from ponder.errors import warn

            warn(f"the eval cache {store.path} holds replies that cannot be read ({type(exc).__name__}); they are asked again")
        return None


def _replay(cached: CachedResponse, request: ModelRequest) -> Iterator[str | ModelReply]:
    """Replay through the request's own guard, so a run's deadline still applies on a replay."""
    guard = TextGuard(request)
    for delta in cached.deltas:
        shown, done = guard.feed(delta)
        if shown:
            yield shown
        if done:
            break
    yield from guard.rest()
    if guard.stopped and guard.text != cached.reply.text:
        yield ModelReply(text=guard.text, usage=cached.reply.usage, finish_reason="stop")
        return
    yield cached.reply
