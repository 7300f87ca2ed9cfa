"""The saved-prefix store: longest match wins, partial matches count, bounds evict the oldest."""

from __future__ import annotations

from ponder.backends.local.prefix_cache import PrefixCache, shared_length


def test_shared_length_counts_leading_tokens_in_common() -> None:
    assert shared_length([1, 2, 3, 4], [1, 2, 9, 4]) == 2
    assert shared_length([1, 2], [1, 2, 3]) == 2
    assert shared_length([], [1]) == 0
    assert shared_length([5], [1]) == 0


def test_the_entry_sharing_most_tokens_is_chosen_even_when_only_part_matches() -> None:
    cache = PrefixCache()
    cache.put([1, 2, 3], b"short")
    cache.put([1, 2, 3, 4, 5, 6], b"long")
    saved, shared = cache.best([1, 2, 3, 4, 5, 7, 8])
    assert saved is not None and saved.state == b"long"
    assert shared == 5


def test_nothing_matches_a_prompt_that_starts_differently() -> None:
    cache = PrefixCache()
    cache.put([1, 2, 3], b"x")
    assert cache.best([9, 2, 3]) == (None, 0)


def test_membership_is_by_exact_token_sequence() -> None:
    cache = PrefixCache()
    cache.put([1, 2, 3], b"x")
    assert [1, 2, 3] in cache
    assert [1, 2] not in cache


def test_the_least_recently_used_entry_goes_first_when_over_the_count() -> None:
    cache = PrefixCache(max_entries=2)
    cache.put([1], b"a")
    cache.put([2], b"b")
    cache.best([1, 5])  # [1] is used, so [2] is now the oldest
    cache.put([3], b"c")
    assert [1] in cache and [3] in cache and [2] not in cache


def test_entries_go_when_over_the_byte_bound_and_an_oversized_state_is_not_kept() -> None:
    cache = PrefixCache(max_bytes=10)
    cache.put([1], b"123456")
    cache.put([2], b"123456")
    assert len(cache) == 1 and [2] in cache
    cache.put([3], b"x" * 11)
    assert [3] not in cache and [2] in cache
    assert cache.size_bytes == 6
