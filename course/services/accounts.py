"""Local accounts: passphrases, sign-in with throttling, sessions, first-run setup, role changes.

Security state (sessions, throttling, the setup token) lives in the database, never in memory:
any process behind a load balancer sees the same, and clearing a cache cannot reset it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from course.domain.accounts import (
    MAX_EMAIL_CHARS,
    AccountRuleError,
    PersonInfo,
    check_passphrase,
    email_too_long,
    normalise_email,
    normalise_passphrase,
    passphrase_too_long,
    render_capabilities,
)
from course.domain.permissions import Action, Actor, Capability, Grants
from course.domain.throttling import Backoff, wait_until
from course.services import metrics
from course.services.assignments import enrol_at_sign_in
from course.services.permissions import require
from course.settings import Settings
from course.store import audit, people, sessions, setup, throttle, tickets
from course.store.engine import Engine, read_session, write_transaction

#: The message for every failed or refused sign-in, so that it reveals nothing.
SIGN_IN_FAILED = (
    "That email and passphrase do not match, or there were too many attempts. "
    "Check them and try again in a few minutes."
)
#: Why passphrase sign-in, invitation and reset links are refused when local passphrases are off.
PASSPHRASES_OFF = (
    "Passphrases are switched off here: people sign in with their organisation's single sign-on."
)
#: Actor label written to the audit log for command-line changes.
COMMAND_LINE = "command line"


class AccountError(ValueError):
    """An account operation was refused; the message is safe to show."""


class Passwords:
    """Hash and verify passphrases with argon2id and OWASP's recommended parameters.

    OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. A stored hash made with
    other parameters is replaced at the next successful sign-in.
    """

    def __init__(
        self, *, memory_kib: int = 19 * 1024, time_cost: int = 2, parallelism: int = 1
    ) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        self._dummy = self.hasher.hash(secrets.token_hex(16))
        started = time.perf_counter()
        self.verify(self._dummy, "not the passphrase")
        #: How long one verification takes here: refused attempts wait as long.
        self.verify_seconds = time.perf_counter() - started

    def hash(self, passphrase: str) -> str:
        """Return the argon2id hash of the (normalised) passphrase."""
        return self.hasher.hash(normalise_passphrase(passphrase))

    def verify(self, stored: str, passphrase: str) -> bool:
        """Return whether the passphrase matches the stored hash (one hash computation)."""
        try:
            return self.hasher.verify(stored, normalise_passphrase(passphrase))
        except (VerifyMismatchError, VerificationError, InvalidHashError, AccountRuleError):
            return False

    def wait_as_long_as_a_verify(self) -> None:
        """Sleep as long as a verification takes, computing nothing (for refused attempts)."""
        time.sleep(self.verify_seconds)

    def verify_nobody(self, passphrase: str) -> None:
        """Spend the time of a real verification when there is no hash to check."""
        self.verify(self._dummy, passphrase)

    def needs_rehash(self, stored: str) -> bool:
        """Return whether the stored hash was made with other parameters than today's."""
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True


_WAIT = timedelta(seconds=2)
_CEILING = timedelta(minutes=2)
#: An account waits after its 5th recent failure: 2 s, then 4 s, 8 s... at most 2 minutes.
ACCOUNT_BACKOFF = Backoff(free=5, first=_WAIT, ceiling=_CEILING)
#: An address may fail 100 times (over any accounts) before it is slowed on its own.
ADDRESS_BACKOFF = Backoff(free=100, first=_WAIT, ceiling=_CEILING)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """How failed sign-ins slow later ones: growing waits per bucket, never a lock.

    Failures within `window` count. The account allows `per_account.free` failures, then each
    further one doubles the wait after the last (capped at two minutes); an address spraying
    many accounts gets its own, larger budget. A browser that signed in to the account within
    `trusted_days` is judged only by its own failures there, so nobody else can keep it out.
    """

    window: timedelta = timedelta(hours=1)
    per_account: Backoff = ACCOUNT_BACKOFF
    per_address: Backoff = ADDRESS_BACKOFF
    per_known_browser: Backoff = ACCOUNT_BACKOFF
    trusted_days: int = 30

    def allowed_at(self, failures: throttle.RecentFailures, *, known_browser: bool) -> datetime | None:
        """Return when the next attempt may run given recent failures (None: at once)."""
        if known_browser:
            return self.per_known_browser.allowed_at(failures.device)
        return wait_until(
            self.per_account.allowed_at(failures.account),
            self.per_address.allowed_at(failures.address),
        )


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lasts without activity, and at most."""

    idle: timedelta
    absolute: timedelta
    #: Activity is written at most this often, to spare the database a write per click.
    touch_every: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """Build the policy from NTS_SESSION_IDLE_MINUTES and NTS_SESSION_ABSOLUTE_HOURS."""
        idle = timedelta(minutes=settings.session_idle_minutes)
        # A short idle time-out writes activity more often, so that steady use never ends it.
        return cls(idle=idle, absolute=timedelta(hours=settings.session_absolute_hours),
                   touch_every=min(timedelta(seconds=60), idle / 4))


DEFAULT_SESSIONS = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of a sign-in: a session token and the actor, or the generic message.

    `device` is the value the browser should keep in its long-lived device cookie: the one it
    sent when known here, otherwise a new random one.
    """

    token: str | None
    actor: Actor | None
    message: str
    device: str = ""

    @property
    def ok(self) -> bool:
        """Return whether the person is signed in."""
        return self.token is not None


#: Longer than any session token this app issues (43 characters); longer ones are refused unread.
MAX_TOKEN_CHARS = 128


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def hash_token(token: str) -> str:
    """Return the SHA-256 of a session or setup token: what the database stores."""
    return hashlib.sha256(token.encode()).hexdigest()


def _account_key(email: str) -> str:
    try:
        return normalise_email(email)
    except AccountRuleError:
        return email.strip().casefold()[:MAX_EMAIL_CHARS]


def _new_device() -> str:
    return secrets.token_urlsafe(32)


def sign_in(
    engine: Engine,
    email: str,
    passphrase: str,
    *,
    passwords: Passwords,
    address: str | None = None,
    device: str | None = None,
    throttling: ThrottlePolicy = ThrottlePolicy(),
    now: datetime | None = None,
) -> SignIn:
    """Check an email and passphrase and open a session.

    Input over the length limits is refused before any normalising, hashing or query. Each
    other attempt is reserved in the database before any hash is computed; while recent
    failures ask for a wait (see ThrottlePolicy), the attempt is refused without hashing, after
    the same delay and with the same message as a wrong passphrase. `address` is None when the
    client's address is unknown; `device` is the browser's device cookie, if it sent one.
    """
    if email_too_long(email) or passphrase_too_long(passphrase):
        metrics.SIGN_IN_FAILURES.inc()
        return SignIn(None, None, SIGN_IN_FAILED, device=device or _new_device())
    when = _now(now)
    account = _account_key(email)
    address = address or None
    with write_transaction(engine, durable=False) as session:
        throttle.serialise_attempts(session)
        known = throttle.DeviceRecord(seen=False, signed_in=False)
        if device:
            trusted_since = when - timedelta(days=throttling.trusted_days)
            known = throttle.find_device(
                session, account, device=hash_token(device), since=trusted_since
            )
        if not known.seen:  # never let a browser pick its own identifier
            device = _new_device()
        assert device is not None
        device_hash = hash_token(device)
        failures = throttle.count_recent_failures(
            session,
            account,
            address=address,
            device=device_hash if known.signed_in else None,
            since=when - throttling.window,
        )
        allowed_at = throttling.allowed_at(failures, known_browser=known.signed_in)
        refused = allowed_at is not None and when < allowed_at
        if refused:
            assert allowed_at is not None
            audit.record_event(
                session,
                "sign_in_throttled",
                now=when,
                actor_label=account,
                address=address or "",
                detail={
                    "wait_seconds": round((allowed_at - when).total_seconds()),
                    "known_browser": known.signed_in,
                },
            )
        else:
            attempt_id = throttle.reserve_attempt(
                session, account, address=address, device=device_hash, now=when
            )
            found = people.get_passphrase_hash(session, account)
    if refused:
        metrics.SIGN_IN_THROTTLED.inc()
        passwords.wait_as_long_as_a_verify()
        return SignIn(None, None, SIGN_IN_FAILED, device=device)
    result = _check_and_open(
        engine,
        found,
        passphrase,
        passwords=passwords,
        account=account,
        attempt_id=attempt_id,
        address=address or "",
        device=device,
        when=when,
    )
    if not result.ok:
        metrics.SIGN_IN_FAILURES.inc()
    return result


def _check_and_open(
    engine: Engine,
    found: tuple[int, str | None, bool] | None,
    passphrase: str,
    *,
    passwords: Passwords,
    account: str,
    attempt_id: int,
    address: str,
    device: str,
    when: datetime,
) -> SignIn:
    """Verify the passphrase of a reserved attempt, settle it and open a session if it matches."""
    person_id: int | None = None
    stored: str | None = None
    matched = False
    if found is not None and found[1] is not None and found[2]:
        person_id, stored = found[0], found[1]
        matched = passwords.verify(found[1], passphrase)
    else:
        passwords.verify_nobody(passphrase)
    rehashed = None
    if matched and stored is not None and passwords.needs_rehash(stored):
        rehashed = passwords.hash(passphrase)
    token = secrets.token_urlsafe(32) if matched else None
    with write_transaction(engine, durable=False) as session:
        throttle.settle_attempt(session, attempt_id, succeeded=matched)
        if person_id is not None and token is not None:
            sessions.create_session(
                session, hash_token(token), person_id=person_id, now=when, address=address
            )
            if rehashed is not None:
                people.set_passphrase_hash(session, person_id, passphrase_hash=rehashed, now=when)
            grants = replace(people.get_grants(session, person_id),
                             has_reports=people.has_reports(session, person_id))
            enrol_at_sign_in(session, person_id, now=when)  # a running assignment they now match
        audit.record_event(
            session,
            "sign_in" if matched else "sign_in_failed",
            now=when,
            actor_id=person_id if matched else None,
            actor_label=account,
            address=address,
        )
    if person_id is None or token is None:
        return SignIn(None, None, SIGN_IN_FAILED, device=device)
    return SignIn(
        token, Actor(person_id=person_id, email=account, grants=grants), "", device=device
    )


def unlock_account(engine: Engine, email: str, *, by: Actor | None, now: datetime | None = None) -> int:
    """Forget an account's recent failed sign-ins, so no wait applies; return how many.

    Successful sign-ins are kept: they are what lets a known browser through. Audited.
    """
    actor_id, actor_label = _authorise(engine, by, Action.MANAGE_PEOPLE)
    account = _checked_email(email)
    when = _now(now)
    with write_transaction(engine, durable=False) as session:
        throttle.serialise_attempts(session)
        cleared = throttle.clear_failures(session, account)
        audit.record_event(
            session,
            "sign_in_unlocked",
            now=when,
            actor_id=actor_id,
            actor_label=actor_label,
            subject_id=people.find_person_id(session, account),
            subject_label=account,
            detail={"attempts_cleared": cleared},
        )
    return cleared


def resume_session(
    engine: Engine,
    token: str,
    *,
    policy: SessionPolicy = DEFAULT_SESSIONS,
    now: datetime | None = None,
    content_version: Callable[[int], None] | None = None,
) -> Actor | None:
    """Return the actor of a session token, read afresh, or None when the session is over.

    Called on every interaction: a disabled account, changed capabilities or an expired session
    take effect at once, in every open session. The session, its person and their grants are
    read in one statement, which also reads the content version: it is handed to
    `content_version`, if given, whenever a session was found.
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None  # no token of ours is this long: refuse before hashing anything
    when = _now(now)
    token_hash = hash_token(token)
    with read_session(engine) as session:
        holder = sessions.find_session_holder(session, token_hash)
    if holder is not None and content_version is not None:
        content_version(holder.content_version)
    if holder is None or holder.session.ended_at is not None:
        return None
    row = holder.session
    expired = when - row.last_seen_at > policy.idle or when - row.created_at > policy.absolute
    if expired or not holder.active:
        with write_transaction(engine) as session:
            sessions.end_session(session, token_hash, now=when)
        return None
    if when - row.last_seen_at >= policy.touch_every:
        with write_transaction(engine) as session:
            sessions.touch_session(session, token_hash, now=when)
    return Actor(person_id=row.person_id, email=holder.email, grants=holder.grants)


def session_time_left(
    engine: Engine,
    token: str | None,
    *,
    policy: SessionPolicy = DEFAULT_SESSIONS,
    keep: bool = False,
    now: datetime | None = None,
) -> timedelta | None:
    """Return how long the session of this token has left, or None when it is over.

    With `keep`, the session counts as used now first ("Stay signed in"), so the idle time-out
    starts again; without it, nothing is written (the page's idle warning asks this).
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    when = _now(now)
    if keep and resume_session(engine, token, policy=replace(policy, touch_every=timedelta(0)),
                               now=when) is None:
        return None
    with read_session(engine) as session:
        holder = sessions.find_session_holder(session, hash_token(token))
    if holder is None or holder.session.ended_at is not None or not holder.active:
        return None
    row = holder.session
    left = min(row.last_seen_at + policy.idle, row.created_at + policy.absolute) - when
    return left if left > timedelta(0) else None


def sign_out(engine: Engine, token: str, *, now: datetime | None = None) -> None:
    """End the session of this token (nothing happens if it is already over)."""
    with write_transaction(engine) as session:
        sessions.end_session(session, hash_token(token), now=_now(now))


# --- first run -------------------------------------------------------------------------------


def needs_first_run_setup(engine: Engine) -> bool:
    """Return whether no account exists yet, so the first administrator must be set up."""
    with read_session(engine) as session:
        return people.count_accounts(session) == 0


def issue_setup_token(engine: Engine, *, now: datetime | None = None) -> str | None:
    """Create a new one-time setup token when no account exists, replacing any earlier one.

    Returns None when an account exists. For the operator's explicit request
    (`python -m course users setup-token`); start-up uses `issue_first_setup_token`.
    """
    token = secrets.token_urlsafe(24)
    with write_transaction(engine) as session:
        if people.count_accounts(session) > 0:
            return None
        setup.replace_setup_token(session, hash_token(token), now=_now(now))
    return token


def issue_first_setup_token(engine: Engine, *, now: datetime | None = None) -> str | None:
    """Create the setup token only if no account and no token exist yet; return it, or None.

    Safe to call from every process at start-up: exactly one of them gets the token (to print
    on its console), and the token stays valid, since no later call replaces it.
    """
    token = secrets.token_urlsafe(24)
    with write_transaction(engine) as session:
        if people.count_accounts(session) > 0:
            return None
        stored = setup.add_setup_token_if_none(session, hash_token(token), now=_now(now))
    return token if stored else None


def complete_first_run_setup(
    engine: Engine,
    token: str,
    *,
    email: str,
    name: str,
    passphrase: str,
    passwords: Passwords,
    address: str = "",
    now: datetime | None = None,
) -> Actor:
    """Create the first administrator, if the token is right and still no account exists."""
    when = _now(now)
    normalised = _checked_email(email)
    _check_new_passphrase(passphrase, email=normalised)
    hashed = passwords.hash(passphrase)
    grants = Grants(capabilities=frozenset({Capability.ADMIN, Capability.LEARNER}))
    with write_transaction(engine) as session:
        if people.count_accounts(session) > 0 or not setup.take_setup_token(
            session, hash_token(token)
        ):
            raise AccountError("the setup token is not valid, or setup was already done")
        person_id = people.find_person_id(session, normalised)
        if person_id is None:
            person_id = people.add_person(
                session,
                normalised,
                name=name.strip(),
                department="",
                tracks=(),
                grants=grants,
                now=when,
                passphrase_hash=hashed,
            )
        else:
            people.set_passphrase_hash(session, person_id, passphrase_hash=hashed, now=when)
            people.set_grants(session, person_id, grants=grants)
            people.update_person(session, person_id, now=when, active=True)
        audit.record_event(
            session,
            "first_admin_created",
            now=when,
            actor_id=person_id,
            actor_label=normalised,
            subject_id=person_id,
            subject_label=normalised,
            address=address,
        )
    return Actor(person_id=person_id, email=normalised, grants=grants)


# --- account management ----------------------------------------------------------------------


def _checked_email(email: str) -> str:
    try:
        return normalise_email(email)
    except AccountRuleError as error:
        raise AccountError(str(error)) from None


def _check_new_passphrase(passphrase: str, *, email: str) -> None:
    problems = check_passphrase(passphrase, email=email)
    if problems:
        raise AccountError("passphrase refused: " + "; ".join(problems))


def _authorise(engine: Engine, by: Actor | None, action: Action) -> tuple[int | None, str]:
    """Check an admin's permission; None means the command line (the operator of the server)."""
    if by is None:
        return None, COMMAND_LINE
    require(engine, by, action)
    return by.person_id, by.email


def add_account(
    engine: Engine,
    email: str,
    *,
    name: str,
    grants: Grants,
    by: Actor | None,
    passwords: Passwords | None = None,
    passphrase: str | None = None,
    department: str = "",
    tracks: Iterable[str] = (),
    now: datetime | None = None,
) -> PersonInfo:
    """Create a person (with a passphrase if given, else they cannot sign in yet)."""
    actor_id, actor_label = _authorise(engine, by, Action.MANAGE_PEOPLE)
    _check_grants(grants)
    when = _now(now)
    normalised = _checked_email(email)
    if not name.strip():
        raise AccountError("the name is empty")
    hashed = None
    if passphrase is not None:
        if passwords is None:
            raise AccountError("a passphrase needs the password hasher")
        _check_new_passphrase(passphrase, email=normalised)
        hashed = passwords.hash(passphrase)
    with write_transaction(engine) as session:
        if people.find_person_id(session, normalised) is not None:
            raise AccountError(f"{normalised} already exists")
        person_id = people.add_person(
            session,
            normalised,
            name=name.strip(),
            department=department.strip(),
            tracks=tuple(tracks),
            grants=grants,
            now=when,
            passphrase_hash=hashed,
        )
        audit.record_event(
            session,
            "account_created",
            now=when,
            actor_id=actor_id,
            actor_label=actor_label,
            subject_id=person_id,
            subject_label=normalised,
            detail={"capabilities": render_capabilities(grants)},
        )
        info = people.get_person(session, person_id)
    assert info is not None
    return info


def _check_grants(grants: Grants) -> None:
    if not grants.capabilities:
        raise AccountError("give the person at least one capability")
    if grants.leader_departments is not None and Capability.LEADER not in grants.capabilities:
        raise AccountError("departments to lead are only for people with the leader capability")


def _person_or_error(engine: Engine, email: str) -> PersonInfo:
    normalised = _checked_email(email)
    with read_session(engine) as session:
        person = people.find_person(session, normalised)
    if person is None:
        raise AccountError(f"no person with email {normalised}")
    return person


def set_active(
    engine: Engine, email: str, *, active: bool, by: Actor | None, now: datetime | None = None
) -> PersonInfo:
    """Disable or re-enable an account; disabling ends all its sessions at once."""
    actor_id, actor_label = _authorise(engine, by, Action.MANAGE_PEOPLE)
    person = _person_or_error(engine, email)
    if not active and by is not None and by.person_id == person.id:
        raise AccountError("you cannot disable your own account")
    when = _now(now)
    with write_transaction(engine) as session:
        people.update_person(session, person.id, now=when, active=active)
        ended = 0 if active else sessions.end_sessions_of(session, person.id, now=when)
        audit.record_event(
            session,
            "account_enabled" if active else "account_disabled",
            now=when,
            actor_id=actor_id,
            actor_label=actor_label,
            subject_id=person.id,
            subject_label=person.email,
            detail={"sessions_ended": ended},
        )
        changed = people.get_person(session, person.id)
    assert changed is not None
    return changed


def set_capabilities(
    engine: Engine, email: str, *, grants: Grants, by: Actor | None, now: datetime | None = None
) -> PersonInfo:
    """Replace a person's capabilities; open sessions see the change at their next interaction."""
    actor_id, actor_label = _authorise(engine, by, Action.MANAGE_PEOPLE)
    _check_grants(grants)
    person = _person_or_error(engine, email)
    if by is not None and by.person_id == person.id and Capability.ADMIN not in grants.capabilities:
        raise AccountError("you cannot remove your own admin capability")
    when = _now(now)
    with write_transaction(engine) as session:
        people.set_grants(session, person.id, grants=grants)
        audit.record_event(
            session,
            "capabilities_changed",
            now=when,
            actor_id=actor_id,
            actor_label=actor_label,
            subject_id=person.id,
            subject_label=person.email,
            detail={
                "before": render_capabilities(person.grants),
                "after": render_capabilities(grants),
            },
        )
        changed = people.get_person(session, person.id)
    assert changed is not None
    return changed


def set_passphrase(
    engine: Engine,
    email: str,
    passphrase: str,
    *,
    passwords: Passwords,
    by: Actor | None,
    now: datetime | None = None,
) -> None:
    """Set a person's passphrase (admins for anyone, anyone for themselves) and end sessions."""
    person = _person_or_error(engine, email)
    actor_id: int | None
    if by is not None and by.person_id == person.id:
        actor_id, actor_label = by.person_id, by.email
    else:
        actor_id, actor_label = _authorise(engine, by, Action.MANAGE_PEOPLE)
    _check_new_passphrase(passphrase, email=person.email)
    hashed = passwords.hash(passphrase)
    when = _now(now)
    with write_transaction(engine) as session:
        people.set_passphrase_hash(session, person.id, passphrase_hash=hashed, now=when)
        sessions.end_sessions_of(session, person.id, now=when)
        audit.record_event(
            session,
            "passphrase_changed",
            now=when,
            actor_id=actor_id,
            actor_label=actor_label,
            subject_id=person.id,
            subject_label=person.email,
        )


def list_accounts(engine: Engine, *, by: Actor | None) -> list[PersonInfo]:
    """Return every person, sorted by email."""
    _authorise(engine, by, Action.MANAGE_PEOPLE)
    with read_session(engine) as session:
        return people.list_people(session)


def purge_security_records(
    engine: Engine,
    *,
    throttling: ThrottlePolicy = ThrottlePolicy(),
    policy: SessionPolicy = DEFAULT_SESSIONS,
    keep_attempts: timedelta = timedelta(0),
    keep_sessions: timedelta = timedelta(0),
    now: datetime | None = None,
) -> tuple[int, int]:
    """Delete sign-in attempts and sessions too old to matter; return how many of each.

    Attempts are kept as long as they can mark an address as trusted (`trusted_days`);
    sessions until they could not be resumed anyway (the absolute timeout). The `keep_`
    retention periods (settings) keep them longer, never shorter. Expired session tickets go
    too. The purge job runs this.
    """
    when = _now(now)
    attempts_age = max(timedelta(days=throttling.trusted_days), keep_attempts)
    sessions_age = max(policy.absolute, keep_sessions)
    with write_transaction(engine, durable=False) as session:
        attempts = throttle.purge_attempts(session, before=when - attempts_age)
        ended = sessions.purge_sessions(session, before=when - sessions_age)
        tickets.purge_tickets(session, now=when)  # unused cookie tickets, a minute old at most
    return attempts, ended


# --- sessions vouched for by someone else (single sign-on) ------------------------------------


def sign_in_vouched(
    engine: Engine,
    person_id: int,
    *,
    method: str,
    address: str = "",
    now: datetime | None = None,
) -> SignIn:
    """Open a session, without a passphrase, for a person an identity provider vouched for.

    The caller has already checked the provider's word (for single sign-on: a verified email
    from the configured issuer, for this app). A disabled or deleted person is still refused
    here, in the same transaction that would open the session. Audited as `sign_in_<method>`.
    """
    when = _now(now)
    token = secrets.token_urlsafe(32)
    with write_transaction(engine) as session:
        person = people.get_person(session, person_id)
        if person is None or not person.active:
            return SignIn(None, None, SIGN_IN_FAILED)
        sessions.create_session(session, hash_token(token), person_id=person_id, now=when,
                                address=address)
        audit.record_event(session, f"sign_in_{method}", now=when, actor_id=person_id,
                           actor_label=person.email, address=address)
        enrol_at_sign_in(session, person_id, now=when)
    return SignIn(token, Actor(person_id=person_id, email=person.email, grants=person.grants), "")


def keep_admins_only(engine: Engine, result: SignIn, *, address: str = "",
                     now: datetime | None = None) -> SignIn:
    """Let a passphrase sign-in stand only for an administrator (local passphrases are off).

    The break-glass path: an operator sets an admin's passphrase from the command line. For
    anyone else the fresh session is ended at once, audited, and the usual failure message
    returned, so an old passphrase tells nobody whether it was right.
    """
    if result.token is None or result.actor is None:
        return result
    if Capability.ADMIN in result.actor.grants.capabilities:
        return result
    when = _now(now)
    with write_transaction(engine) as session:
        sessions.end_session(session, hash_token(result.token), now=when)
        audit.record_event(session, "sign_in_refused", now=when, actor_id=result.actor.person_id,
                           actor_label=result.actor.email, address=address,
                           detail={"reason": "local passphrases are off"})
    return SignIn(None, None, SIGN_IN_FAILED)
