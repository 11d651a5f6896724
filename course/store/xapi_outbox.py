"""Queries about the xAPI outbox: queue statements with their event, claim, mark, count."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from course.domain.xapi import Statement
from course.store._sql import dialect_name
from course.store.tables import XapiOutbox


def _table() -> Table:
    table = XapiOutbox.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


@functools.cache
def _insert_statement(dialect: str) -> Any:
    table = _table()
    insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    return insert.on_conflict_do_nothing(index_elements=[table.c.statement_id])


def queue_statements(session: Session, statements: Sequence[Statement], *, now: datetime) -> None:
    """Queue statements in the caller's transaction; one already queued (same id) is left as it is."""
    if not statements:
        return
    rows = [{"statement_id": s.id, "kind": s.kind.value, "person_id": s.person_id,
             "statement": s.document, "created_at": now, "next_attempt_at": now, "attempts": 0,
             "last_attempt_at": None, "sent_at": None, "last_error": ""} for s in statements]
    session.connection().execute(_insert_statement(dialect_name(session)), rows)


@dataclass(frozen=True, slots=True)
class DueStatement:
    """A queued statement claimed for sending."""

    id: int
    statement_id: str
    document: str
    #: Tries so far, this one included.
    attempts: int


def claim_due(session: Session, *, now: datetime, limit: int, hold_until: datetime) -> list[DueStatement]:
    """Claim up to `limit` due statements, oldest first: count the try and hold them until `hold_until`.

    A sender that dies mid-way leaves its claims to be tried again at `hold_until`; on
    PostgreSQL, concurrent senders skip each other's rows instead of waiting.
    """
    outbox = _table()
    statement = (
        select(outbox.c.id, outbox.c.statement_id, outbox.c.statement, outbox.c.attempts)
        .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    rows = [DueStatement(int(r[0]), r[1], r[2], int(r[3]) + 1)
            for r in session.connection().execute(statement)]
    if rows:
        session.connection().execute(
            update(outbox).where(outbox.c.id.in_([r.id for r in rows]))
            .values(attempts=outbox.c.attempts + 1, next_attempt_at=hold_until, last_attempt_at=now))
    return rows


def mark_sent(session: Session, ids: Sequence[int], *, now: datetime) -> None:
    """Record that the LRS holds these statements."""
    if ids:
        outbox = _table()
        session.connection().execute(
            update(outbox).where(outbox.c.id.in_(list(ids))).values(sent_at=now, last_error=""))


def mark_not_sent(session: Session, row_id: int, *, error: str, retry_at: datetime) -> None:
    """Record why a statement was not taken, and when it is tried again."""
    outbox = _table()
    session.connection().execute(
        update(outbox).where(outbox.c.id == row_id)
        .values(last_error=error[:500] or "not taken", next_attempt_at=retry_at))


def purge_sent(session: Session, *, before: datetime) -> int:
    """Delete statements the LRS took before `before` (it keeps them); return how many."""
    outbox = _table()
    result = session.connection().execute(delete(outbox).where(outbox.c.sent_at < before))
    return int(result.rowcount or 0)


@dataclass(frozen=True, slots=True)
class OutboxState:
    """How many statements wait, were sent, and are failing, with the latest failure."""

    pending: int
    sent: int
    #: Waiting after at least one failed try.
    failing: int
    last_error: str
    last_error_at: datetime | None
    #: When the earliest waiting statement is next tried (None when nothing waits).
    next_try_at: datetime | None


def get_state(session: Session) -> OutboxState:
    """Return the counts and the latest failure, in two statements."""
    outbox = _table()
    waiting = outbox.c.sent_at.is_(None)
    failing = waiting & (outbox.c.last_error != "")
    total, sent, failed, next_try = session.connection().execute(select(
        func.count(), func.count(outbox.c.sent_at), func.count(case((failing, 1))),
        func.min(case((waiting, outbox.c.next_attempt_at))),
    )).one()
    latest = session.connection().execute(
        select(outbox.c.last_error, outbox.c.last_attempt_at).where(failing)
        .order_by(outbox.c.last_attempt_at.desc()).limit(1)).first()
    return OutboxState(
        pending=int(total) - int(sent), sent=int(sent), failing=int(failed),
        last_error=latest[0] if latest else "", last_error_at=latest[1] if latest else None,
        next_try_at=next_try)
