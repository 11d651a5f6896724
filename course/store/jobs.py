"""Job leases: which runner holds a background job, until when, and when it is next due.

A lease is taken by one conditional UPDATE (free or expired, and due), so two runners that try
at the same moment on any number of hosts cannot both win: the database decides. Only the
holder can release a lease; a runner killed while holding one blocks the job only until its
lease expires.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from course.store._sql import dialect_name
from course.store.tables import JobLease


@dataclass(frozen=True, slots=True)
class JobState:
    """What the database knows of one job."""

    name: str
    holder: str
    lease_until: datetime | None
    next_due_at: datetime
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_outcome: str
    last_message: str
    runs: int


@functools.cache
def _insert_missing(dialect: str) -> Any:
    table = JobLease.__table__  # type: ignore[attr-defined]
    insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    return insert.on_conflict_do_nothing(index_elements=["name"])


def ensure_job(session: Session, name: str, *, due_at: datetime) -> None:
    """Create the job's row, due at `due_at`, unless it exists (safe when runners race)."""
    values = {"name": name, "holder": "", "next_due_at": due_at, "last_outcome": "",
              "last_message": "", "runs": 0}
    session.connection().execute(_insert_missing(dialect_name(session)), values)


def take_lease(session: Session, name: str, *, holder: str, now: datetime, until: datetime) -> bool:
    """Take the job for `holder` until `until` if it is due and nobody holds it; return whether taken."""
    statement = (
        update(JobLease)
        .where(
            and_(
                col(JobLease.name) == name,
                col(JobLease.next_due_at) <= now,
                or_(col(JobLease.lease_until).is_(None), col(JobLease.lease_until) <= now),
            )
        )
        .values(holder=holder, lease_until=until, last_started_at=now)
    )
    return int(session.connection().execute(statement).rowcount) == 1


def renew_lease(session: Session, name: str, *, holder: str, now: datetime, until: datetime) -> bool:
    """Extend `holder`'s unexpired lease on the job to `until`; return False if it is no longer held."""
    statement = (
        update(JobLease)
        .where(and_(col(JobLease.name) == name, col(JobLease.holder) == holder,
                    col(JobLease.lease_until) > now))
        .values(lease_until=until)
    )
    return int(session.connection().execute(statement).rowcount) == 1


def current_holder(session: Session, name: str, *, now: datetime) -> str | None:
    """Return who holds the job now (an unexpired lease), or None."""
    row = session.get(JobLease, name)
    if row is None or not row.holder or row.lease_until is None:
        return None
    until = row.lease_until if row.lease_until.tzinfo else row.lease_until.replace(tzinfo=UTC)
    return row.holder if until > now else None


def release_lease(
    session: Session,
    name: str,
    *,
    holder: str,
    now: datetime,
    next_due_at: datetime,
    outcome: str,
    message: str,
) -> bool:
    """Record the end of a run and free the job; return False if `holder` no longer held it."""
    statement = (
        update(JobLease)
        .where(and_(col(JobLease.name) == name, col(JobLease.holder) == holder))
        .values(
            holder="",
            lease_until=None,
            next_due_at=next_due_at,
            last_finished_at=now,
            last_outcome=outcome,
            last_message=message[:500],
            runs=JobLease.runs + 1,
        )
    )
    return int(session.connection().execute(statement).rowcount) == 1


def list_jobs(session: Session) -> list[JobState]:
    """Return every job the database knows, by name."""
    rows = session.exec(select(JobLease).order_by(JobLease.name))
    return [
        JobState(
            name=row.name,
            holder=row.holder,
            lease_until=row.lease_until,
            next_due_at=row.next_due_at,
            last_started_at=row.last_started_at,
            last_finished_at=row.last_finished_at,
            last_outcome=row.last_outcome,
            last_message=row.last_message,
            runs=row.runs,
        )
        for row in rows
    ]
