"""Throttling that slows and never locks out, tried the way an attacker would.

Times are passed in explicitly: a wait is checked by signing in just before and just after it,
never by a clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from course.domain.accounts import parse_capabilities
from course.domain.permissions import Actor
from course.services import accounts
from course.services.accounts import SIGN_IN_FAILED, Passwords, SignIn, ThrottlePolicy
from course.services.permissions import PermissionDenied
from course.store import audit
from course.store.engine import read_session

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
WRONG = "a wrong guess of a passphrase"
POLICY = ThrottlePolicy()
SECOND = timedelta(seconds=1)


class RecordingPasswords(Passwords):
    """A cheap hasher that records what each sign-in spent its time on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[str] = []
        super().__init__(memory_kib=1024, time_cost=1)
        self.calls = []

    def verify(self, stored: str, passphrase: str) -> bool:
        with self.lock:
            self.calls.append("hash")
        return super().verify(stored, passphrase)

    def wait_as_long_as_a_verify(self) -> None:
        with self.lock:
            self.calls.append("wait")  # no real sleep: the path is what is checked

    @property
    def hashes(self) -> int:
        return self.calls.count("hash")


@pytest.fixture
def hasher() -> RecordingPasswords:
    return RecordingPasswords()


def add(engine: Engine, passwords: Passwords, email: str = "ada@example.org") -> None:
    accounts.add_account(
        engine,
        email,
        name="Someone",
        grants=parse_capabilities("learner"),
        by=None,
        passwords=passwords,
        passphrase=PASSPHRASE,
        now=NOW,
    )


def attempt(
    engine: Engine,
    passwords: Passwords,
    *,
    at: datetime,
    email: str = "ada@example.org",
    passphrase: str = WRONG,
    address: str | None = "198.51.100.7",
    device: str | None = None,
) -> SignIn:
    return accounts.sign_in(
        engine, email, passphrase, passwords=passwords, address=address, device=device, now=at
    )


def events(engine: Engine, kind: str) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind)


def test_failures_add_a_growing_wait_and_never_a_lock(engine: Engine, hasher: RecordingPasswords) -> None:
    add(engine, hasher)
    for _ in range(5):  # the first five failures are free
        assert attempt(engine, hasher, at=NOW).message == SIGN_IN_FAILED
    assert hasher.hashes == 5
    # The sixth comes too soon: refused without hashing, even with the right passphrase.
    assert not attempt(engine, hasher, at=NOW + SECOND, passphrase=PASSPHRASE).ok
    assert hasher.hashes == 5
    # After the first wait (2 s) one more attempt runs; it fails, and the wait doubles.
    assert not attempt(engine, hasher, at=NOW + 2 * SECOND).ok
    assert hasher.hashes == 6
    assert not attempt(engine, hasher, at=NOW + 5 * SECOND, passphrase=PASSPHRASE).ok
    assert hasher.hashes == 6
    assert attempt(engine, hasher, at=NOW + 6 * SECOND, passphrase=PASSPHRASE).ok
    throttled = events(engine, "sign_in_throttled")
    assert [e.detail for e in throttled] == [
        {"wait_seconds": 1, "known_browser": False},
        {"wait_seconds": 1, "known_browser": False},
    ]


def test_the_wait_is_capped_so_a_long_attack_only_slows(engine: Engine, hasher: RecordingPasswords) -> None:
    add(engine, hasher)
    moment = NOW
    for _ in range(40):  # an attacker retrying as fast as the waits allow
        attempt(engine, hasher, at=moment)
        moment += POLICY.per_account.ceiling
    # However many failures, the owner waits at most the ceiling after the last one.
    owner = attempt(engine, hasher, at=moment, passphrase=PASSPHRASE, address="203.0.113.5")
    assert owner.ok


def test_a_throttled_attempt_takes_the_path_of_a_failure(engine: Engine, hasher: RecordingPasswords) -> None:
    add(engine, hasher)
    failed = [attempt(engine, hasher, at=NOW) for _ in range(5)]
    hasher.calls.clear()
    throttled = attempt(engine, hasher, at=NOW)
    unknown = attempt(engine, hasher, at=NOW + timedelta(hours=2), email="nobody@example.org")
    # Same message and outcome; the refused one waits as long as one hash instead of hashing.
    assert {(r.ok, r.token, r.actor, r.message) for r in [*failed, throttled, unknown]} == {
        (False, None, None, SIGN_IN_FAILED)
    }
    assert hasher.calls == ["wait", "hash"]


def test_the_default_wait_spends_a_verification(
    hasher: RecordingPasswords, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("course.services.accounts.time.sleep", slept.append)
    Passwords.wait_as_long_as_a_verify(hasher)
    assert slept == [hasher.verify_seconds] and hasher.verify_seconds > 0


def test_the_owner_signs_in_from_a_known_browser_during_an_attack(
    engine: Engine, hasher: RecordingPasswords
) -> None:
    add(engine, hasher)
    first = attempt(engine, hasher, at=NOW - timedelta(days=3), passphrase=PASSPHRASE)
    assert first.ok and first.device
    for n in range(60):  # a guessing attack from many addresses, none of them the owner's
        attempt(engine, hasher, at=NOW, address=f"192.0.2.{n}")
    assert hasher.hashes == 1 + 5
    stranger = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, address="203.0.113.9")
    assert not stranger.ok  # a new browser has to wait...
    owner = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, device=first.device)
    assert owner.ok and owner.device == first.device  # ...the owner's browser does not
    # Even on the attacker's own address: the browser is what vouches for the owner.
    shared = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, address="192.0.2.1",
                     device=first.device)
    assert shared.ok


def test_a_stolen_device_cookie_is_slowed_by_its_own_failures(
    engine: Engine, hasher: RecordingPasswords
) -> None:
    add(engine, hasher)
    device = attempt(engine, hasher, at=NOW - timedelta(days=1), passphrase=PASSPHRASE).device
    for _ in range(5):
        attempt(engine, hasher, at=NOW, device=device)
    hashes = hasher.hashes
    assert not attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, device=device).ok
    assert hasher.hashes == hashes
    assert events(engine, "sign_in_throttled")[-1].detail == {"wait_seconds": 2, "known_browser": True}


def test_a_browser_known_for_one_account_is_a_stranger_to_another(
    engine: Engine, hasher: RecordingPasswords
) -> None:
    add(engine, hasher)
    add(engine, hasher, "eve@example.org")
    eves = attempt(engine, hasher, at=NOW - timedelta(days=1), email="eve@example.org",
                   passphrase=PASSPHRASE).device
    for n in range(5):
        attempt(engine, hasher, at=NOW, address=f"192.0.2.{n}")
    guess = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, device=eves)
    assert not guess.ok


def test_sprayed_accounts_are_slowed_not_locked(engine: Engine, hasher: RecordingPasswords) -> None:
    sprayer = "192.0.2.66"
    emails = [f"person{n}@example.org" for n in range(25)]
    for email in [*emails, "root@example.org", "fresh@example.org"]:
        add(engine, hasher, email)
    moment = NOW
    for _ in range(5):  # 125 wrong guesses over 25 accounts from one address
        for email in emails:
            attempt(engine, hasher, at=moment, email=email, address=sprayer)
            moment += SECOND
    # The address has spent its budget: it is slowed on every account, even untouched ones...
    assert not attempt(engine, hasher, at=moment, email="fresh@example.org", passphrase=PASSPHRASE,
                       address=sprayer).ok
    # ...while every owner, from their own address, signs in at once.
    for n, email in enumerate(emails):
        assert attempt(engine, hasher, at=moment, email=email, passphrase=PASSPHRASE,
                       address=f"203.0.113.{n}").ok, email
    assert attempt(engine, hasher, at=moment, email="root@example.org", passphrase=PASSPHRASE,
                   address="203.0.113.200").ok
    # And the address itself is only slowed: after the longest wait it gets another try.
    later = moment + POLICY.per_address.ceiling
    assert attempt(engine, hasher, at=later, email="fresh@example.org", passphrase=PASSPHRASE,
                   address=sprayer).ok


@pytest.mark.parametrize("missing", [None, ""])
def test_a_missing_address_is_not_a_shared_bucket(
    engine: Engine, hasher: RecordingPasswords, missing: str | None
) -> None:
    emails = [f"person{n}@example.org" for n in range(30)]
    for email in [*emails, "ada@example.org"]:
        add(engine, hasher, email)
    for email in emails:
        for _ in range(4):  # 120 failures without an address, none over an account's budget
            attempt(engine, hasher, at=NOW, email=email, address=missing)
    owner = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, address=missing)
    assert owner.ok
    with read_session(engine) as session:
        stored = session.connection().execute(text("SELECT DISTINCT address FROM login_attempt"))
        assert [row[0] for row in stored] == [""]


def test_parallel_wrong_guesses_compute_at_most_the_free_failures(
    engine: Engine, hasher: RecordingPasswords
) -> None:
    add(engine, hasher)
    barrier = threading.Barrier(20)

    def guess(n: int) -> None:
        barrier.wait()
        attempt(engine, hasher, at=NOW, address=f"192.0.2.{n}")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert hasher.hashes == POLICY.per_account.free


def test_the_device_value_is_chosen_by_the_server_and_stored_hashed(
    engine: Engine, hasher: RecordingPasswords
) -> None:
    add(engine, hasher)
    fresh = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE)
    assert fresh.ok and len(fresh.device) >= 40
    forged = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, device="attacker-chosen")
    assert forged.ok and forged.device not in {"attacker-chosen", fresh.device}
    again = attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, device=fresh.device)
    assert again.device == fresh.device
    failed = attempt(engine, hasher, at=NOW, device=None)
    assert failed.device and failed.device != fresh.device  # a failure still gets a cookie
    with read_session(engine) as session:
        rows = session.connection().execute(text("SELECT device FROM login_attempt")).all()
    stored = {row[0] for row in rows}
    assert accounts.hash_token(fresh.device) in stored
    assert not stored & {fresh.device, forged.device, failed.device, "attacker-chosen"}


def test_unlock_forgets_failures_and_is_audited(
    engine: Engine, hasher: RecordingPasswords, make_person: Callable[..., Actor]
) -> None:
    add(engine, hasher)
    known = attempt(engine, hasher, at=NOW - timedelta(days=1), passphrase=PASSPHRASE).device
    for _ in range(8):
        attempt(engine, hasher, at=NOW)
    assert not attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE).ok
    learner = make_person("lee@example.org", capabilities="learner")
    with pytest.raises(PermissionDenied):
        accounts.unlock_account(engine, "ada@example.org", by=learner, now=NOW)
    assert accounts.unlock_account(engine, " ADA@example.org", by=None, now=NOW) == 5
    assert attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE).ok
    assert attempt(engine, hasher, at=NOW, passphrase=PASSPHRASE, device=known).device == known
    (entry,) = events(engine, "sign_in_unlocked")
    assert (entry.actor, entry.subject, entry.detail) == (
        "command line",
        "ada@example.org",
        {"attempts_cleared": 5},
    )


def test_the_reported_lock_out_behind_a_shared_proxy_is_gone(
    engine: Engine, hasher: RecordingPasswords
) -> None:
    """100 wrong attempts over 25 invented accounts, all seen from one proxy's address."""
    proxy = "10.0.0.2"
    add(engine, hasher, "root@example.org")
    browser = attempt(engine, hasher, at=NOW - timedelta(days=2), email="root@example.org",
                      passphrase=PASSPHRASE, address=proxy).device
    moment = NOW
    for n in range(100):
        attempt(engine, hasher, at=moment, email=f"invented{n % 25}@example.org", address=proxy)
        moment += SECOND
    # The administrator's own browser, behind the same proxy, is not held back at all...
    assert attempt(engine, hasher, at=moment, email="root@example.org", passphrase=PASSPHRASE,
                   address=proxy, device=browser).ok
    # ...and once the proxy is trusted, each person has their own address again.
    assert attempt(engine, hasher, at=moment, email="root@example.org", passphrase=PASSPHRASE,
                   address="203.0.113.50").ok
