"""How long a sign-in must wait after recent failures: a delay that grows, never a lock.

Failures are counted in buckets (the account, the sending address, the browser). Each bucket
allows some failures freely; after that, every further failure doubles the wait after the last
one, up to a ceiling. Once the wait has passed, one more attempt is allowed, so nobody is ever
locked out: an attacker is slowed to one guess per ceiling, and so is a stranger's noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Failures:
    """Recent failed (or still unsettled) attempts in one bucket, and when the last one began."""

    count: int
    latest: datetime | None


NO_FAILURES = Failures(0, None)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Free failures in a bucket, then a wait that starts at `first` and doubles up to `ceiling`."""

    free: int
    first: timedelta
    ceiling: timedelta

    def delay(self, failures: int) -> timedelta:
        """Return the wait after the last of this many failures (zero while they are free)."""
        extra = failures - self.free
        if extra < 0:
            return timedelta(0)
        # Past 2**20 the ceiling is long reached; the cap keeps the arithmetic small.
        return min(self.ceiling, self.first * (1 << min(extra, 20)))

    def allowed_at(self, failures: Failures) -> datetime | None:
        """Return when the next attempt in this bucket may run (None: at once)."""
        if failures.latest is None or failures.count < self.free:
            return None
        return failures.latest + self.delay(failures.count)


def wait_until(*limits: datetime | None) -> datetime | None:
    """Return the latest of the times at which each bucket allows an attempt (None: at once)."""
    known = [limit for limit in limits if limit is not None]
    return max(known) if known else None
