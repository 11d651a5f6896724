"""Queries about signed-in sessions. Tokens are never stored, only their SHA-256."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from course.domain.permissions import Grants
from course.store.people import grants_from
from course.store.tables import AuthSession, CapabilityGrant, ContentRevision, Person


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


@dataclass(frozen=True, slots=True)
class SessionHolder:
    """A stored session together with the person holding it and their grants, read at once."""

    session: SessionRow
    email: str
    active: bool
    grants: Grants
    #: The content version (the newest saved content version's id), read in the same statement
    #: so that following other processes' content changes costs no statement of its own.
    content_version: int = 0


@functools.cache
def _holder_statement() -> Any:
    auth = AuthSession.__table__  # type: ignore[attr-defined]
    person = Person.__table__  # type: ignore[attr-defined]
    grant = CapabilityGrant.__table__  # type: ignore[attr-defined]
    report = person.alias("report")
    has_reports = exists().where(report.c.manager_id == auth.c.person_id, report.c.active.is_(True))
    revision = ContentRevision.__table__  # type: ignore[attr-defined]
    content_version = sa_select(func.coalesce(func.max(revision.c.id), 0)).scalar_subquery()
    return (
        sa_select(
            auth.c.person_id, auth.c.created_at, auth.c.last_seen_at, auth.c.ended_at,
            person.c.email, person.c.active, grant.c.capability, grant.c.departments,
            has_reports.label("has_reports"),
            content_version,
        )
        .join(person, person.c.id == auth.c.person_id)
        .outerjoin(grant, grant.c.person_id == person.c.id)
        .where(auth.c.id == bindparam("token_hash"))
    )


def find_session_holder(session: Session, token_hash: str) -> SessionHolder | None:
    """Return the session under this hash with its person and grants (one statement), or None.

    The grants tell whether anyone active names the person as their manager (the same statement).
    """
    rows = list(session.connection().execute(_holder_statement(), {"token_hash": token_hash}))
    if not rows:
        return None
    first = rows[0]
    return SessionHolder(
        session=SessionRow(int(first[0]), first[1], first[2], first[3]),
        email=str(first[4]),
        active=bool(first[5]),
        grants=replace(grants_from((row[6], row[7]) for row in rows if row[6] is not None),
                       has_reports=bool(first[8])),
        content_version=int(first[9]),
    )


def rekey_session(session: Session, old_hash: str, new_hash: str) -> bool:
    """Move an open session to a new token hash; return whether one was moved.

    The token that opened the session stops working: only the new one does.
    """
    result = session.connection().execute(
        update(AuthSession)
        .where(col(AuthSession.id) == old_hash, col(AuthSession.ended_at).is_(None))
        .values(id=new_hash)
    )
    return int(result.rowcount) == 1


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
