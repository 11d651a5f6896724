"""LTI logins are bounded: per address with a growing wait, in all by a cap; expired nonces go.

A login is an unauthenticated write (a nonce), so these tests play the flood: from one address,
from many, and in parallel, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from course.domain.lti import NONCE_WINDOW, LoginLimited, LoginLimits
from course.domain.throttling import Backoff
from course.services import lti
from course.store import audit
from course.store.engine import read_session
from tests.databases import count_rows

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
SMALL = LoginLimits(per_address=Backoff(free=3, first=timedelta(seconds=1), ceiling=timedelta(seconds=8)),
                    outstanding=100)
CAPPED = LoginLimits(per_address=SMALL.per_address, outstanding=10)


def _save(engine: Engine, nonce: str, *, address: str, at: datetime, limits: LoginLimits = SMALL) -> bool:
    try:
        lti.DatabaseNonces(engine, address=address, limits=limits, now=at).save(nonce)
    except LoginLimited:
        return False
    return True


def _busy(engine: Engine) -> list[tuple[str, str]]:
    with read_session(engine) as session:
        events = audit.list_events(session)
    return [(e.target, e.address) for e in reversed(events)
            if e.kind == "lti_launch_refused" and e.detail.get("reason") == "busy"]


def test_one_address_gets_its_allowance_then_waits_that_double(engine: Engine) -> None:
    saved = [_save(engine, f"n{i}", address="203.0.113.7", at=NOW) for i in range(5)]
    assert saved == [True, True, True, False, False]
    with pytest.raises(LoginLimited) as limited:
        lti.DatabaseNonces(engine, address="203.0.113.7", limits=SMALL, now=NOW).save("again")
    assert (limited.value.refusal.scope, limited.value.refusal.retry_after) == ("address", 1)
    later = NOW + timedelta(seconds=1)
    assert [_save(engine, f"a{i}", address="203.0.113.7", at=later) for i in range(2)] == [True, False]
    later += timedelta(seconds=1)
    assert not _save(engine, "b", address="203.0.113.7", at=later)  # now the wait is 2 s
    later += timedelta(seconds=1)
    assert _save(engine, "c", address="203.0.113.7", at=later)
    # Another address is not held back by this one; nor is the address nobody knows.
    assert _save(engine, "other", address="198.51.100.9", at=later)
    assert all(_save(engine, f"anon{i}", address="", at=later) for i in range(4))
    assert count_rows(engine, "lti_nonce") == 3 + 1 + 1 + 1 + 4
    # Refused logins wrote no nonce, and were audited once for the minute.
    assert _busy(engine) == [("login limit: address", "203.0.113.7")]
    # A minute on, the next refusal is audited again.
    minute_on = NOW + timedelta(seconds=90)
    again = [_save(engine, f"d{i}", address="203.0.113.7", at=minute_on) for i in range(3)]
    assert again == [True, False, False]
    assert len(_busy(engine)) == 2


def test_used_nonces_do_not_count_and_expired_ones_are_purged(engine: Engine) -> None:
    book = lti.DatabaseNonces(engine, address="192.0.2.1", limits=SMALL, now=NOW)
    for n in range(3):
        book.save(f"class-{n}")
        assert book.use(f"class-{n}")  # a class behind one router: each login is launched
    assert _save(engine, "next", address="192.0.2.1", at=NOW)
    later = NOW + NONCE_WINDOW + timedelta(seconds=1)
    assert _save(engine, "much-later", address="192.0.2.1", at=later)
    assert count_rows(engine, "lti_nonce") == 1  # everything issued before the window is gone
    assert not lti.DatabaseNonces(engine, now=later).use("next")  # an expired nonce never passes


def test_the_overall_cap_holds_against_a_flood_from_many_addresses(engine: Engine) -> None:
    saved = [_save(engine, f"n{i}", address=f"10.0.{i}.1", at=NOW, limits=CAPPED) for i in range(14)]
    assert saved == [True] * 10 + [False] * 4
    assert count_rows(engine, "lti_nonce") == 10
    with pytest.raises(LoginLimited, match="from all addresses together"):
        lti.DatabaseNonces(engine, address="10.9.9.9", limits=CAPPED, now=NOW).save("x")
    # Many addresses, one audit entry a minute for the cap.
    assert _busy(engine) == [("login limit: everywhere", "10.0.10.1")]
    # Once the flood's nonces expire, logins go through again.
    assert _save(engine, "after", address="10.9.9.9", at=NOW + NONCE_WINDOW + timedelta(seconds=1),
                 limits=CAPPED)


def test_parallel_logins_from_one_address_cannot_slip_past_the_allowance(engine: Engine) -> None:
    minute = timedelta(minutes=1)
    limits = LoginLimits(per_address=Backoff(free=5, first=minute, ceiling=minute))
    results: list[bool] = []
    lock = threading.Lock()

    def flood(worker: int) -> None:
        for n in range(6):
            outcome = _save(engine, f"w{worker}-{n}", address="203.0.113.50", at=NOW, limits=limits)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=flood, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 36 and results.count(True) == 5
    assert count_rows(engine, "lti_nonce") == 5
