"""Sign-in attempts kept in the database, so throttling survives restarts and cache clears.

An attempt is reserved (as "pending") before any hash is computed, inside a write transaction
that serialises reservations, so parallel attempts cannot all slip under the limit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, exists, func, insert, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from course.domain.throttling import Failures
from course.store._sql import dialect_name
from course.store.tables import LoginAttempt

PENDING = "pending"
FAILED = "failed"
OK = "ok"


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """Failed or unfinished attempts since some time, per bucket: account, address, browser.

    `device` counts only the failures of this browser on this account.
    """

    account: Failures
    address: Failures
    device: Failures


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """What the attempts say about a browser: seen at all lately, and trusted for the account."""

    seen: bool
    signed_in: bool


#: The tables whose writers count before they write, each with the lock that lines them up.
_LOCKS = {name: text(f"LOCK TABLE {name} IN EXCLUSIVE MODE") for name in ("login_attempt", "lti_nonce")}


def serialise_writes(session: Session, table: str) -> None:
    """Make concurrent count-then-write transactions on a table wait for each other until they end.

    SQLite write transactions already begin with BEGIN IMMEDIATE; PostgreSQL needs a lock (which
    readers pass).
    """
    if dialect_name(session) == "postgresql":
        session.connection().execute(_LOCKS[table])


def serialise_attempts(session: Session) -> None:
    """Make concurrent reservations wait for each other until this transaction ends."""
    serialise_writes(session, "login_attempt")


@functools.cache
def _failures_statement() -> Any:
    # Built once: the sign-in path is measured against a bare hash verification.
    table = LoginAttempt.__table__  # type: ignore[attr-defined]
    same_account = table.c.account == bindparam("account")
    # A missing address or device is bound as NULL, which equals nothing: never a shared bucket.
    same_address = table.c.address == bindparam("address")
    same_device = same_account & (table.c.device == bindparam("device"))

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def latest_if(condition: Any) -> Any:
        return func.max(case((condition, table.c.at), else_=None))

    return sa_select(
        count_if(same_account),
        latest_if(same_account),
        count_if(same_address),
        latest_if(same_address),
        count_if(same_device),
        latest_if(same_device),
    ).where(
        table.c.at >= bindparam("since"),
        table.c.outcome.in_([PENDING, FAILED]),
        same_account | same_address,
    )


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back MAX() over a CASE as text
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def count_recent_failures(
    session: Session, account: str, *, address: str | None, device: str | None, since: datetime
) -> RecentFailures:
    """Count failed and pending attempts since the time, by account, by address and by browser.

    `address` and `device` are None (or "") when unknown; their buckets are then empty.
    """
    values = {"account": account, "address": address or None, "device": device or None,
              "since": since}
    row = session.connection().execute(_failures_statement(), values).one()
    return RecentFailures(
        account=Failures(int(row[0]), _moment(row[1])),
        address=Failures(int(row[2]), _moment(row[3])),
        device=Failures(int(row[4]), _moment(row[5])),
    )


def find_device(session: Session, account: str, *, device: str, since: datetime) -> DeviceRecord:
    """Return whether the browser (its hash) made any attempt since the time, and signed in here."""
    table = LoginAttempt.__table__  # type: ignore[attr-defined]
    recent = (table.c.device == device) & (table.c.at >= since)
    signed_in = recent & (table.c.account == account) & (table.c.outcome == OK)
    # EXISTS stops at the first row: a browser used daily has many attempts, none need counting.
    statement = sa_select(exists().where(recent), exists().where(signed_in))
    seen, succeeded = session.connection().execute(statement).one()
    return DeviceRecord(seen=bool(seen), signed_in=bool(succeeded))


def reserve_attempt(
    session: Session, account: str, *, address: str | None, device: str | None, now: datetime
) -> int:
    """Record a pending attempt and return its id (settle it once the hash is checked)."""
    table = LoginAttempt.__table__  # type: ignore[attr-defined]
    statement = insert(table).returning(table.c.id)
    values = {
        "account": account,
        "address": (address or "")[:64],
        "at": now,
        "outcome": PENDING,
        "device": device,
    }
    return int(session.connection().execute(statement, values).scalar_one())


@functools.cache
def _settle_statement() -> Any:
    table = LoginAttempt.__table__  # type: ignore[attr-defined]
    return update(table).where(table.c.id == bindparam("attempt_id"))


def settle_attempt(session: Session, attempt_id: int, *, succeeded: bool) -> None:
    """Mark a reserved attempt as failed or successful."""
    session.connection().execute(
        _settle_statement(), {"attempt_id": attempt_id, "outcome": OK if succeeded else FAILED}
    )


def clear_failures(session: Session, account: str) -> int:
    """Delete the account's failed and pending attempts (successes stay: they vouch for browsers)."""
    statement = delete(LoginAttempt).where(
        col(LoginAttempt.account) == account, col(LoginAttempt.outcome).in_([PENDING, FAILED])
    )
    return int(session.connection().execute(statement).rowcount)


def purge_attempts(session: Session, *, before: datetime) -> int:
    """Delete attempts older than the time; return how many."""
    result = session.connection().execute(delete(LoginAttempt).where(col(LoginAttempt.at) < before))
    return int(result.rowcount)
