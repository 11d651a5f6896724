"""Objects built once per server process, out of reach of Streamlit's clear-cache message.

Any browser can send Streamlit's `clear_cache` message, which empties every `st.cache_resource`
and `st.cache_data` cache for all sessions. What the app must keep (the database engine, the
parsed course, the last valid version of each item, the dashboards' results) is held here
instead: plain module-level holders that only this process's own code can reset.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class Held(Generic[Value]):
    """One value per process, built on first use under a lock (so exactly once), then shared."""

    def __init__(self, build: Callable[[], Value], *, close: Callable[[Value], None] | None = None) -> None:
        self._build = build
        self._close = close
        self._lock = threading.Lock()
        self._value: Value | None = None
        self._built = False
        #: How many times the value was built: 1 for a process's life unless reset (for tests).
        self.builds = 0

    def get(self) -> Value:
        """Return the value, building it the first time (other threads wait for that build)."""
        if not self._built:
            with self._lock:
                if not self._built:
                    self._value = self._build()
                    self.builds += 1
                    self._built = True
        return self._value  # type: ignore[return-value]

    @property
    def built(self) -> bool:
        """Return whether the value has been built (without building it)."""
        return self._built

    def reset(self) -> None:
        """Drop the value, closing it first if it has a close function (tests and shutdown only)."""
        with self._lock:
            if self._built and self._close is not None and self._value is not None:
                self._close(self._value)
            self._value = None
            self._built = False
