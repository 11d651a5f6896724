"""Sign-in, throttling kept in the database, sessions with timeouts, first-run setup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from course.domain.accounts import parse_capabilities
from course.domain.permissions import Actor, Capability
from course.services import accounts
from course.services.accounts import (
    SIGN_IN_FAILED,
    AccountError,
    Passwords,
    SessionPolicy,
)
from course.services.permissions import PermissionDenied
from course.settings import load_settings
from course.store import audit, people
from course.store.engine import read_session

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
MakePerson = Callable[..., Actor]


def add(engine: Engine, passwords: Passwords, email: str = "ada@example.org", **kw: str) -> None:
    accounts.add_account(
        engine,
        email,
        name="Ada",
        grants=parse_capabilities(kw.get("capabilities", "learner")),
        by=None,
        passwords=passwords,
        passphrase=kw.get("passphrase", PASSPHRASE),
        now=NOW,
    )


def events(engine: Engine, kind: str) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind)


def test_sign_in_opens_a_session_that_resumes(engine: Engine, passwords: Passwords) -> None:
    add(engine, passwords)
    result = accounts.sign_in(
        engine, " Ada@Example.org ", PASSPHRASE, passwords=passwords, address="10.0.0.1", now=NOW
    )
    assert result.ok and result.token and result.actor
    assert result.actor.grants.capabilities == {Capability.LEARNER}
    actor = accounts.resume_session(engine, result.token, now=NOW + timedelta(minutes=5))
    assert actor == result.actor
    assert [e.actor for e in events(engine, "sign_in")] == ["ada@example.org"]


@pytest.mark.parametrize(
    ("email", "passphrase"),
    [("ada@example.org", "wrong passphrase here"), ("nobody@example.org", PASSPHRASE)],
)
def test_wrong_passphrase_and_unknown_email_get_the_same_answer(
    engine: Engine, passwords: Passwords, email: str, passphrase: str
) -> None:
    add(engine, passwords)
    result = accounts.sign_in(engine, email, passphrase, passwords=passwords, now=NOW)
    assert (result.ok, result.message) == (False, SIGN_IN_FAILED)
    assert [e.actor for e in events(engine, "sign_in_failed")] == [email]


def test_long_and_non_ascii_passphrases_work(engine: Engine, passwords: Passwords) -> None:
    long_one = "ça, c'est une phrase de passe très longue 🔑 " * 20
    add(engine, passwords, passphrase=long_one)
    composed = "ça, c'est une phrase de passe très longue 🔑 " * 20
    decomposed = composed.replace("ç", "c\u0327")  # the same text typed on another keyboard
    assert accounts.sign_in(engine, "ada@example.org", decomposed, passwords=passwords).ok


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(engine: Engine, passwords: Passwords) -> None:
    add(engine, passwords)
    first = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW)
    second = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW)
    assert first.token and second.token
    accounts.set_active(engine, "ada@example.org", active=False, by=None, now=NOW)
    assert accounts.resume_session(engine, first.token, now=NOW) is None
    assert accounts.resume_session(engine, second.token, now=NOW) is None
    again = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW)
    assert not again.ok
    assert len(events(engine, "account_disabled")) == 1


def test_changed_capabilities_apply_at_the_next_interaction(engine: Engine, passwords: Passwords) -> None:
    add(engine, passwords)
    signed = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW)
    assert signed.token
    accounts.set_capabilities(
        engine, "ada@example.org", grants=parse_capabilities("leader:legal"), by=None, now=NOW
    )
    actor = accounts.resume_session(engine, signed.token, now=NOW)
    assert actor is not None
    assert actor.grants.capabilities == {Capability.LEADER}
    assert actor.grants.leader_departments == {"legal"}
    (change,) = events(engine, "capabilities_changed")
    assert change.detail == {"before": "learner", "after": "leader:legal"}


def test_sessions_end_after_idle_and_absolute_timeouts(engine: Engine, passwords: Passwords) -> None:
    add(engine, passwords)
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=2))

    def new_token() -> str:
        result = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW)
        assert result.token
        return result.token

    idle = new_token()
    assert accounts.resume_session(engine, idle, policy=policy, now=NOW + timedelta(minutes=31)) is None
    assert accounts.resume_session(engine, idle, policy=policy, now=NOW) is None  # ended for good
    busy = new_token()
    moment = NOW
    for _ in range(7):  # active every 20 minutes: idle never reached, absolute is
        moment += timedelta(minutes=20)
        actor = accounts.resume_session(engine, busy, policy=policy, now=moment)
        assert (actor is None) == (moment - NOW > timedelta(hours=2))
    out = new_token()
    accounts.sign_out(engine, out, now=NOW)
    assert accounts.resume_session(engine, out, policy=policy, now=NOW) is None
    assert accounts.resume_session(engine, "forged-token", policy=policy, now=NOW) is None


def test_session_policy_follows_the_settings() -> None:
    settings = load_settings({"NTS_SESSION_IDLE_MINUTES": "5", "NTS_SESSION_ABSOLUTE_HOURS": "1"})
    policy = SessionPolicy.from_settings(settings)
    assert (policy.idle, policy.absolute) == (timedelta(minutes=5), timedelta(hours=1))
    assert policy.touch_every == timedelta(minutes=1)
    short = SessionPolicy.from_settings(load_settings({"NTS_SESSION_IDLE_MINUTES": "1"}))
    assert short.touch_every == timedelta(seconds=15)  # steady clicks keep even a 1-minute session


def test_steady_use_never_ends_a_one_minute_session() -> None:
    policy = SessionPolicy.from_settings(load_settings({"NTS_SESSION_IDLE_MINUTES": "1"}))
    # A click every 50 seconds: with a write at most every 60 seconds the session would end.
    assert policy.touch_every <= timedelta(seconds=50)
    assert policy.idle - policy.touch_every > timedelta(seconds=40)


def test_time_left_is_read_without_counting_as_use_and_kept_on_request(
        engine: Engine, passwords: Passwords) -> None:
    add(engine, passwords)
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=2))
    token = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW).token
    left = accounts.session_time_left
    assert left(engine, token, policy=policy, now=NOW + timedelta(minutes=28)) == timedelta(minutes=2)
    assert left(engine, token, policy=policy, now=NOW + timedelta(minutes=29)) == timedelta(minutes=1)
    kept = left(engine, token, policy=policy, keep=True, now=NOW + timedelta(minutes=29))
    assert kept == timedelta(minutes=30)
    # Near the absolute limit, "Stay signed in" cannot go beyond it.
    for minutes in (49, 69, 89, 109):  # kept every 20 minutes
        assert left(engine, token, policy=policy, keep=True, now=NOW + timedelta(minutes=minutes)) is not None
    assert left(engine, token, policy=policy, keep=True, now=NOW + timedelta(hours=1, minutes=55)) == \
        timedelta(minutes=5)
    assert left(engine, token, policy=policy, now=NOW + timedelta(hours=2, seconds=1)) is None


def test_no_time_is_left_for_an_ended_or_forged_session(engine: Engine, passwords: Passwords) -> None:
    add(engine, passwords)
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=2))
    token = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW).token
    assert accounts.session_time_left(engine, token, policy=policy, now=NOW + timedelta(minutes=31)) is None
    assert accounts.session_time_left(engine, token, policy=policy, keep=True,
                                      now=NOW + timedelta(minutes=31)) is None
    for forged in (None, "", "x" * 5000, "forged-token"):
        assert accounts.session_time_left(engine, forged, policy=policy, keep=True, now=NOW) is None


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(engine: Engine, passwords: Passwords) -> None:
    old = Passwords(memory_kib=512, time_cost=1)
    add(engine, old)
    assert accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords).ok
    with read_session(engine) as session:
        found = people.get_passphrase_hash(session, "ada@example.org")
    assert found is not None and found[1] is not None
    assert not passwords.needs_rehash(found[1])
    assert passwords.needs_rehash("not a hash")


def test_default_hasher_uses_owasp_argon2id_parameters() -> None:
    hasher = Passwords()
    stored = hasher.hash("a passphrase of mine")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify(stored, "a passphrase of mine")
    assert not hasher.verify(stored, "another passphrase")


def test_first_run_setup_needs_the_console_token_and_works_once(engine: Engine, passwords: Passwords) -> None:
    assert accounts.needs_first_run_setup(engine)
    token = accounts.issue_setup_token(engine, now=NOW)
    assert token
    with pytest.raises(AccountError, match="setup token is not valid"):
        accounts.complete_first_run_setup(
            engine,
            "guessed",
            email="eve@example.org",
            name="Eve",
            passphrase=PASSPHRASE,
            passwords=passwords,
        )
    admin = accounts.complete_first_run_setup(
        engine,
        token,
        email="root@example.org",
        name="Root",
        passphrase=PASSPHRASE,
        passwords=passwords,
    )
    assert Capability.ADMIN in admin.grants.capabilities
    assert not accounts.needs_first_run_setup(engine)
    assert accounts.issue_setup_token(engine) is None
    with pytest.raises(AccountError):
        accounts.complete_first_run_setup(
            engine,
            token,
            email="again@example.org",
            name="Again",
            passphrase=PASSPHRASE,
            passwords=passwords,
        )
    assert accounts.sign_in(engine, "root@example.org", PASSPHRASE, passwords=passwords).ok
    assert len(events(engine, "first_admin_created")) == 1


def test_account_rules_are_enforced(engine: Engine, passwords: Passwords) -> None:
    with pytest.raises(AccountError, match="at least 12"):
        add(engine, passwords, passphrase="short")
    with pytest.raises(AccountError, match="not an email"):
        add(engine, passwords, email="not-an-email")
    add(engine, passwords)
    with pytest.raises(AccountError, match="already exists"):
        add(engine, passwords, email="ADA@example.org")


def test_only_admins_manage_accounts(engine: Engine, make_person: MakePerson) -> None:
    learner = make_person("lee@example.org", capabilities="learner")
    admin = make_person("root@example.org", capabilities="admin")
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(engine, by=learner)
    assert [p.email for p in accounts.list_accounts(engine, by=admin)] == [
        "lee@example.org",
        "root@example.org",
    ]
    with pytest.raises(AccountError, match="own admin"):
        accounts.set_capabilities(engine, "root@example.org", grants=parse_capabilities("learner"), by=admin)
    assert len(events(engine, "action_denied")) == 1


def test_old_attempts_and_sessions_are_purged(engine: Engine, passwords: Passwords) -> None:
    add(engine, passwords)
    accounts.sign_in(engine, "ada@example.org", "wrong one here", passwords=passwords, now=NOW)
    signed = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW)
    assert signed.token
    assert accounts.purge_security_records(engine, now=NOW + timedelta(hours=1)) == (0, 0)
    assert accounts.purge_security_records(engine, now=NOW + timedelta(days=31)) == (2, 1)
    assert accounts.resume_session(engine, signed.token, now=NOW + timedelta(days=31)) is None
