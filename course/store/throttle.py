"""Sign-in attempts kept in the database, so throttling survives restarts and cache clears.

An attempt is reserved (as "pending") before any hash is computed, inside a write transaction
that serialises reservations, so parallel attempts cannot all slip under the limit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from course.store._sql import dialect_name
from course.store.tables import LoginAttempt

PENDING = "pending"
FAILED = "failed"
OK = "ok"


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """Failed or unfinished attempts since some time: for the account, the pair, the address."""

    account: int
    pair: int
    address: int


def serialise_attempts(session: Session) -> None:
    """Make concurrent reservations wait for each other until this transaction ends.

    SQLite write transactions already begin with BEGIN IMMEDIATE; PostgreSQL needs a lock.
    """
    if dialect_name(session) == "postgresql":
        session.connection().execute(text("LOCK TABLE login_attempt IN EXCLUSIVE MODE"))


@functools.cache
def _failures_statement() -> Any:
    # Built once: the sign-in path is measured against a bare hash verification.
    table = LoginAttempt.__table__  # type: ignore[attr-defined]
    same_account = table.c.account == bindparam("account")
    same_address = table.c.address == bindparam("address")

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return sa_select(
        count_if(same_account), count_if(same_account & same_address), count_if(same_address)
    ).where(
        table.c.at >= bindparam("since"),
        table.c.outcome.in_([PENDING, FAILED]),
        same_account | same_address,
    )


def count_recent_failures(session: Session, account: str, *, address: str, since: datetime) -> RecentFailures:
    """Count failed and pending attempts since the time, by account, by pair and by address."""
    values = {"account": account, "address": address, "since": since}
    row = session.connection().execute(_failures_statement(), values).one()
    by_account, by_pair, by_address = row
    return RecentFailures(
        account=int(by_account), pair=int(by_pair), address=int(by_address) if address else 0
    )


def has_signed_in_from(session: Session, account: str, *, address: str, since: datetime) -> bool:
    """Return whether the account signed in successfully from this address since the time."""
    if not address:
        return False
    statement = select(LoginAttempt.id).where(
        LoginAttempt.account == account,
        LoginAttempt.address == address,
        LoginAttempt.outcome == OK,
        col(LoginAttempt.at) >= since,
    )
    return session.exec(statement.limit(1)).first() is not None


def reserve_attempt(session: Session, account: str, *, address: str, now: datetime) -> int:
    """Record a pending attempt and return its id (settle it once the hash is checked)."""
    table = LoginAttempt.__table__  # type: ignore[attr-defined]
    statement = insert(table).returning(table.c.id)
    values = {"account": account, "address": address[:64], "at": now, "outcome": PENDING}
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


def purge_attempts(session: Session, *, before: datetime) -> int:
    """Delete attempts older than the time; return how many."""
    result = session.connection().execute(delete(LoginAttempt).where(col(LoginAttempt.at) < before))
    return int(result.rowcount)
