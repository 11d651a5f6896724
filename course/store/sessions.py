"""Queries about signed-in sessions. Tokens are never stored, only their SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col

from course.store.tables import AuthSession


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A stored session: whose it is and when it started and was last used."""

    person_id: int
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None


def create_session(
    session: Session, token_hash: str, *, person_id: int, now: datetime, address: str = ""
) -> None:
    """Store a new session under the hash of its token."""
    session.connection().execute(
        insert(AuthSession.__table__),  # type: ignore[attr-defined]
        {
            "id": token_hash,
            "person_id": person_id,
            "created_at": now,
            "last_seen_at": now,
            "address": address[:64],
        },
    )


def find_session(session: Session, token_hash: str) -> SessionRow | None:
    """Return the session stored under this token hash, or None."""
    row = session.get(AuthSession, token_hash)
    if row is None:
        return None
    return SessionRow(row.person_id, row.created_at, row.last_seen_at, row.ended_at)


def touch_session(session: Session, token_hash: str, *, now: datetime) -> None:
    """Record that the session was used now (the idle timeout counts from here)."""
    session.connection().execute(
        update(AuthSession).where(col(AuthSession.id) == token_hash).values(last_seen_at=now)
    )


def end_session(session: Session, token_hash: str, *, now: datetime) -> None:
    """End one session (sign-out or timeout)."""
    session.connection().execute(
        update(AuthSession)
        .where(col(AuthSession.id) == token_hash, col(AuthSession.ended_at).is_(None))
        .values(ended_at=now)
    )


def end_sessions_of(session: Session, person_id: int, *, now: datetime) -> int:
    """End every open session of a person; return how many were open."""
    result = session.connection().execute(
        update(AuthSession)
        .where(col(AuthSession.person_id) == person_id, col(AuthSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    return int(result.rowcount)


def purge_sessions(session: Session, *, before: datetime) -> int:
    """Delete sessions that ended, or were last used, before the given time."""
    result = session.connection().execute(
        delete(AuthSession).where(
            (col(AuthSession.ended_at) < before) | (col(AuthSession.last_seen_at) < before)
        )
    )
    return int(result.rowcount)
