"""How many LTI logins may stand without their launch: pure rules, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from course.domain.lti import LOGINS_PER_ADDRESS, LoginLimited, LoginLimits, LoginRefusal
from course.domain.throttling import NO_FAILURES, Failures

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LIMITS = LoginLimits()


def test_an_address_within_its_allowance_goes_on() -> None:
    assert LIMITS.refusal(by_address=NO_FAILURES, everywhere=0, now=NOW) is None
    almost = Failures(LOGINS_PER_ADDRESS.free - 1, NOW)
    assert LIMITS.refusal(by_address=almost, everywhere=0, now=NOW) is None


def test_past_the_allowance_the_wait_doubles_up_to_a_minute_and_is_rounded_up() -> None:
    free = LOGINS_PER_ADDRESS.free
    waits = [LIMITS.refusal(by_address=Failures(free + extra, NOW), everywhere=0, now=NOW)
             for extra in range(8)]
    assert [w.retry_after if w else 0 for w in waits] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert {w.scope for w in waits if w} == {"address"}
    second = Failures(free + 1, NOW)
    halfway = LIMITS.refusal(by_address=second, everywhere=0, now=NOW + timedelta(seconds=0.5))
    assert halfway == LoginRefusal("address", retry_after=2)  # 1.5 s left: never tell a client "0"
    assert LIMITS.refusal(by_address=second, everywhere=0, now=NOW + timedelta(seconds=2)) is None


def test_the_overall_cap_holds_everyone_back_whatever_their_address() -> None:
    full = LIMITS.refusal(by_address=NO_FAILURES, everywhere=LIMITS.outstanding, now=NOW)
    assert full == LoginRefusal("everywhere", retry_after=60)
    assert LIMITS.refusal(by_address=NO_FAILURES, everywhere=LIMITS.outstanding - 1, now=NOW) is None
    assert "from all addresses together" in str(LoginLimited(full))
    assert "from this address; retry after 4 s" in str(LoginLimited(LoginRefusal("address", 4)))
