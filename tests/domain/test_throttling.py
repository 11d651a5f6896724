"""Waits after failed sign-ins: free failures, then doubling, capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from course.domain.throttling import NO_FAILURES, Backoff, Failures, wait_until

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
BACKOFF = Backoff(free=3, first=timedelta(seconds=2), ceiling=timedelta(seconds=60))


def test_waits_double_after_the_free_failures_up_to_the_ceiling() -> None:
    waits = [BACKOFF.delay(n).total_seconds() for n in range(12)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert BACKOFF.delay(10**9) == timedelta(seconds=60)


def test_the_next_attempt_is_allowed_after_the_last_failure_and_its_wait() -> None:
    assert BACKOFF.allowed_at(NO_FAILURES) is None
    assert BACKOFF.allowed_at(Failures(2, NOW)) is None
    assert BACKOFF.allowed_at(Failures(3, NOW)) == NOW + timedelta(seconds=2)
    assert BACKOFF.allowed_at(Failures(500, NOW)) == NOW + timedelta(seconds=60)


def test_the_longest_wait_of_several_buckets_applies() -> None:
    assert wait_until(None, None) is None
    assert wait_until(None, NOW, NOW + timedelta(seconds=1)) == NOW + timedelta(seconds=1)
