"""A small in-process LRU for computed aggregates, shared by the dashboards and the studio.

It holds results only (never who may see them): callers check permissions before reading it
and put the data version in the key, so new learner work is a miss, never a stale hit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class LruCache(Generic[Value]):
    """Keep up to `max_entries` values, dropping the least recently used; safe across threads."""

    def __init__(self, max_entries: int = 64) -> None:
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Value | None:
        """Return the value kept for the key, or None."""
        with self._lock:
            if key not in self._entries:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return self._entries[key]

    def put(self, key: Hashable, value: Value) -> None:
        """Keep a value, dropping the least recently used beyond max_entries."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
