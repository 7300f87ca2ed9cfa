"""Saved KV states of prompt prefixes, so a new conversation need not re-read its system prompt.

llama.cpp keeps one live KV cache: a request reuses only what it shares with the request just
before it. A new run, an eval case, or a turn of another agent on the same model starts over
and re-reads the system prompt and the tool list (on two CPU cores, about 20 tokens a second).
This store keeps the KV state of such prefixes (one llama.cpp sequence, about 28 KB a token for
a 1.5B model) and hands back the one that shares the most tokens with a new prompt; restoring
it costs milliseconds. A partial match is still a hit: the state is restored and cut where the
prompts part (two eval cases with the same system prompt but different tools share everything
up to the first tool).

Written here rather than taken from llama-cpp-python: its ``LlamaRAMCache`` saves the whole
context, logits included (hundreds of MB a save for a 150k-token vocabulary), and matches only
whole saved prompts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SavedPrefix:
    tokens: tuple[int, ...]
    state: bytes
    """The sequence's KV state as ``llama_state_seq_get_data`` wrote it."""


def shared_length(a: Iterable[int], b: Iterable[int]) -> int:
    """How many leading tokens ``a`` and ``b`` have in common."""
    same = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        same += 1
    return same


class PrefixCache:
    """Least-recently-used saved prefixes, bounded by count and by bytes."""

    def __init__(self, *, max_entries: int = 8, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[int, ...], SavedPrefix] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return sum(len(e.state) for e in self._entries.values())

    def __contains__(self, tokens: Sequence[int]) -> bool:
        return tuple(tokens) in self._entries

    def best(self, tokens: Sequence[int]) -> tuple[SavedPrefix | None, int]:
        """The saved prefix sharing the most leading tokens with ``tokens``, and how many it shares."""
        found: SavedPrefix | None = None
        longest = 0
        for entry in self._entries.values():
            shared = shared_length(entry.tokens, tokens)
            if shared > longest:
                found, longest = entry, shared
        if found is not None:
            self._entries.move_to_end(found.tokens)
        return found, longest

    def put(self, tokens: Sequence[int], state: bytes) -> None:
        """Keep ``state`` for ``tokens``; the least recently used entries go when over a bound."""
        if len(state) > self.max_bytes:
            return
        key = tuple(tokens)
        self._entries[key] = SavedPrefix(key, state)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries or self.size_bytes > self.max_bytes:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
