"""Readiness: can this process serve learners right now (database, schema, course)?

`/readyz` asks a `ReadinessProbe`, which keeps a small engine of its own (one connection, so a
busy app pool never makes a healthy process look broken, and a probe never starves the app)
and remembers a good answer for a moment, so a load balancer polling often costs almost
nothing. A bad answer is never remembered: the next poll checks again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from course.domain.diagnostics import Severity
from course.services import studio_content
from course.services.catalog import LoadResult, ParseCache
from course.settings import Settings
from course.store import migrate
from course.store.engine import UNAVAILABLE_ERRORS, Engine, create_store_engine, describe_unavailable

#: Seconds a good answer is reused: long enough to absorb a burst of polls, short enough that a
#: load balancer learns of a failure within one of its usual intervals.
GOOD_FOR_SECONDS = 1.5


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the process can serve, and if not, why, in one line."""

    ready: bool
    reason: str


READY = Readiness(True, "ready")


def check_database(engine: Engine) -> Readiness:
    """Check that the database answers and its schema is at the revision this code expects."""
    try:
        revision = migrate.current_revision(engine)
    except UNAVAILABLE_ERRORS as error:
        return Readiness(False, describe_unavailable(error))
    head = migrate.head_revision()
    if revision != head:
        return Readiness(False, f"database schema at {revision or 'no revision'}, this version needs "
                                f"{head}: run python -m course db upgrade")
    return READY


def check_course(loaded: LoadResult) -> Readiness:
    """Check that the course is served (a course.yaml that loads); name the first error if not."""
    if loaded.course is not None:
        return READY
    errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    detail = errors[0].format() if errors else "no course found"
    return Readiness(False, f"course not loaded: {detail}")


class ReadinessProbe:
    """Answer readiness for one process, remembering a good answer for `good_for` seconds."""

    def __init__(self, settings: Settings, *, good_for: float = GOOD_FOR_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._good_for = good_for
        self._clock = clock
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._parse_cache = ParseCache()
        self._last_valid = studio_content.LastValid()
        self._good_until = float("-inf")

    def check(self) -> Readiness:
        """Return whether the process is ready now (blocking: call it from a worker thread)."""
        with self._lock:  # concurrent polls wait for one check instead of each running one
            if self._clock() < self._good_until:
                return READY
            result = self._check_now()
            if result.ready:
                self._good_until = self._clock() + self._good_for
            return result

    def _check_now(self) -> Readiness:
        if self._engine is None:
            self._engine = create_store_engine(self._settings.database_url, pool_size=1,
                                               pool_overflow=0, connect_timeout=3)
        database = check_database(self._engine)
        if not database.ready:
            return database
        loaded = studio_content.load_served(self._settings.content_root, cache=self._parse_cache,
                                            last=self._last_valid)
        return check_course(loaded)

    def close(self) -> None:
        """Release the probe's database connection."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
