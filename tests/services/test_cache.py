"""The shared LRU of computed aggregates: hits, misses and which entry goes first."""

from __future__ import annotations

from course.services.cache import LruCache


def test_the_least_recently_used_entry_is_dropped_first() -> None:
    cache: LruCache[str] = LruCache(max_entries=2)
    cache.put(("a",), "A")
    cache.put(("b",), "B")
    assert cache.get(("a",)) == "A"  # "a" is now the most recently used
    cache.put(("c",), "C")
    assert cache.get(("b",)) is None
    assert (cache.get(("a",)), cache.get(("c",))) == ("A", "C")
    assert (cache.hits, cache.misses) == (3, 1)


def test_putting_a_key_again_replaces_its_value_without_growing() -> None:
    cache: LruCache[int] = LruCache(max_entries=2)
    cache.put("k", 1)
    cache.put("k", 2)
    cache.put("other", 3)
    assert (cache.get("k"), cache.get("other")) == (2, 3)
