"""LTI 1.3 records: the tool key, used nonces, linked people, line items and the grade outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from course.domain.throttling import Failures
from course.store import throttle
from course.store._sql import as_utc, dialect_name
from course.store.tables import (
    LtiGradeOutbox,
    LtiLineItem,
    LtiLineItemMember,
    LtiNonce,
    LtiPersonLink,
    LtiToolKey,
)

_KEY: Table = LtiToolKey.__table__  # type: ignore[attr-defined]
_NONCE: Table = LtiNonce.__table__  # type: ignore[attr-defined]
_LINK: Table = LtiPersonLink.__table__  # type: ignore[attr-defined]
_ITEM: Table = LtiLineItem.__table__  # type: ignore[attr-defined]
_MEMBER: Table = LtiLineItemMember.__table__  # type: ignore[attr-defined]
_GRADE: Table = LtiGradeOutbox.__table__  # type: ignore[attr-defined]


def _insert(session: Session) -> Any:
    return sqlite.insert if dialect_name(session) == "sqlite" else postgresql.insert


# --- the tool key -----------------------------------------------------------------------------

def list_tool_keys(session: Session) -> list[tuple[str, str]]:
    """Return every tool key as (key id, private PEM), oldest first."""
    rows = session.connection().execute(
        select(_KEY.c.kid, _KEY.c.private_pem).order_by(_KEY.c.created_at, _KEY.c.kid))
    return [(str(kid), str(pem)) for kid, pem in rows]


def add_tool_key(session: Session, kid: str, private_pem: str, *, now: datetime) -> None:
    """Store a tool key unless one with this id exists."""
    session.connection().execute(_insert(session)(_KEY).on_conflict_do_nothing(),
                                 {"kid": kid, "private_pem": private_pem, "created_at": now})


# --- nonces -----------------------------------------------------------------------------------

def serialise_logins(session: Session) -> None:
    """Make concurrent logins count and add their nonces one after another until this transaction ends."""
    throttle.serialise_writes(session, "lti_nonce")


def add_nonce(session: Session, nonce: str, *, address: str = "", now: datetime) -> None:
    """Remember a nonce sent to a platform, with the address that asked for the login."""
    session.connection().execute(_insert(session)(_NONCE).on_conflict_do_nothing(),
                                 {"nonce": nonce, "issued_at": now, "used_at": None,
                                  "address": address[:64]})


@dataclass(frozen=True, slots=True)
class UnusedNonces:
    """Nonces issued since some time and not used: from one address, and from anywhere."""

    by_address: Failures
    everywhere: int


def count_unused_nonces(session: Session, *, address: str, since: datetime) -> UnusedNonces:
    """Count unused nonces issued since a time: those of one address (with the latest), and all."""
    mine = _NONCE.c.address == address
    row = session.connection().execute(
        select(func.coalesce(func.sum(case((mine, 1), else_=0)), 0),
               func.max(case((mine, _NONCE.c.issued_at), else_=None)),
               func.count())
        .where(_NONCE.c.used_at.is_(None), _NONCE.c.issued_at >= since)).one()
    latest = row[1]
    if isinstance(latest, str):  # SQLite hands back MAX() over a CASE as text
        latest = datetime.fromisoformat(latest)
    return UnusedNonces(Failures(int(row[0]), None if latest is None else as_utc(latest)), int(row[2]))


def use_nonce(session: Session, nonce: str, *, now: datetime, issued_after: datetime) -> bool:
    """Mark a nonce used; tell whether it was ours, unused and issued after `issued_after`."""
    statement = (update(_NONCE)
                 .where(_NONCE.c.nonce == nonce, _NONCE.c.used_at.is_(None),
                        _NONCE.c.issued_at >= issued_after)
                 .values(used_at=now))
    return session.connection().execute(statement).rowcount == 1


def purge_nonces(session: Session, *, issued_before: datetime) -> int:
    """Delete nonces issued before a time (used or not); return how many."""
    return int(session.connection().execute(
        delete(_NONCE).where(_NONCE.c.issued_at < issued_before)).rowcount)


# --- people -----------------------------------------------------------------------------------

def find_linked_person(session: Session, issuer: str, subject: str) -> int | None:
    """Return the account linked to a platform's user, if any."""
    found = session.connection().execute(
        select(_LINK.c.person_id).where(_LINK.c.issuer == issuer, _LINK.c.subject == subject)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def link_person(session: Session, issuer: str, subject: str, person_id: int, *, now: datetime) -> int:
    """Link a platform's user to an account unless linked already; return the linked account."""
    session.connection().execute(
        _insert(session)(_LINK).on_conflict_do_nothing(),
        {"issuer": issuer, "subject": subject, "person_id": person_id, "created_at": now})
    linked = find_linked_person(session, issuer, subject)
    assert linked is not None
    return linked


# --- line items -------------------------------------------------------------------------------

def keep_line_item(session: Session, *, issuer: str, client_id: str, url: str, item_kind: str,
                   item_id: str, now: datetime) -> int | None:
    """Store a line item once (by its URL) and return its id.

    Return None when the URL is kept already for another platform (issuer and client id) or
    another item: scores go with the platform's own token, so one platform's launch must never
    add people to another's column.
    """
    session.connection().execute(
        _insert(session)(_ITEM).on_conflict_do_nothing(),
        {"issuer": issuer, "client_id": client_id, "url": url, "item_kind": item_kind,
         "item_id": item_id, "created_at": now})
    found = session.connection().execute(
        select(_ITEM.c.id, _ITEM.c.issuer, _ITEM.c.client_id, _ITEM.c.item_kind, _ITEM.c.item_id)
        .where(_ITEM.c.url == url)).one()
    if tuple(found[1:]) != (issuer, client_id, item_kind, item_id):
        return None
    return int(found[0])


def add_member(session: Session, line_item_id: int, person_id: int, *, subject: str,
               now: datetime) -> None:
    """Record that a person's scores for the line item's item go to it."""
    session.connection().execute(
        _insert(session)(_MEMBER).on_conflict_do_nothing(),
        {"line_item_id": line_item_id, "person_id": person_id, "subject": subject, "created_at": now})


def line_items_of(session: Session, person_id: int, *, item_kind: str, item_id: str) -> list[tuple[int, str]]:
    """Return (line item id, the person's platform id) for each line item of this item."""
    rows = session.connection().execute(
        select(_MEMBER.c.line_item_id, _MEMBER.c.subject)
        .join(_ITEM, _ITEM.c.id == _MEMBER.c.line_item_id)
        .where(_MEMBER.c.person_id == person_id, _ITEM.c.item_kind == item_kind,
               _ITEM.c.item_id == item_id)
        .order_by(_MEMBER.c.line_item_id))
    return [(int(line), str(subject)) for line, subject in rows]


# --- the grade outbox -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class QueuedGrade:
    """A score to send, with where it goes."""

    id: int
    issuer: str
    client_id: str
    line_item_url: str
    subject: str
    score: float
    earned_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class GradeCounts:
    """How many scores wait, were sent, or were given up on."""

    pending: int
    sent: int
    failed: int


def queue_grade(session: Session, *, key: str, line_item_id: int, person_id: int, subject: str,
                score: float, earned_at: datetime, now: datetime) -> bool:
    """Queue a score once (by key); tell whether this call queued it."""
    statement = _insert(session)(_GRADE).on_conflict_do_nothing().returning(_GRADE.c.id)
    values = {"key": key, "line_item_id": line_item_id, "person_id": person_id, "subject": subject,
              "score": score, "earned_at": earned_at, "created_at": now, "next_attempt_at": now,
              "attempts": 0, "claimed_until": None, "sent_at": None, "failed_at": None,
              "last_error": ""}
    return session.connection().execute(statement, values).scalar_one_or_none() is not None


def claim_due_grades(session: Session, *, now: datetime, hold: timedelta, limit: int) -> list[QueuedGrade]:
    """Take up to `limit` due scores for this sender (counting the attempt) and return them."""
    free = or_(_GRADE.c.claimed_until.is_(None), _GRADE.c.claimed_until <= now)
    due = (select(_GRADE.c.id).where(_GRADE.c.sent_at.is_(None), _GRADE.c.failed_at.is_(None),
                                     _GRADE.c.next_attempt_at <= now, free)
           .order_by(_GRADE.c.next_attempt_at, _GRADE.c.id).limit(limit))
    connection = session.connection()
    taken: list[int] = []
    for grade_id in connection.execute(due).scalars():
        claimed = connection.execute(
            update(_GRADE).where(_GRADE.c.id == grade_id, free)
            .values(claimed_until=now + hold, attempts=_GRADE.c.attempts + 1)).rowcount
        if claimed:
            taken.append(int(grade_id))
    if not taken:
        return []
    rows = connection.execute(
        select(_GRADE, _ITEM.c.issuer, _ITEM.c.client_id, _ITEM.c.url)
        .join(_ITEM, _ITEM.c.id == _GRADE.c.line_item_id).where(_GRADE.c.id.in_(taken))
        .order_by(_GRADE.c.id))
    return [QueuedGrade(id=row.id, issuer=row.issuer, client_id=row.client_id, line_item_url=row.url,
                        subject=row.subject, score=row.score, earned_at=as_utc(row.earned_at),
                        attempts=row.attempts) for row in rows]


def mark_grade_sent(session: Session, grade_id: int, *, now: datetime) -> None:
    """Record that the platform accepted a score."""
    session.connection().execute(update(_GRADE).where(_GRADE.c.id == grade_id)
                                 .values(sent_at=now, claimed_until=None, last_error=""))


def mark_grade_retry(session: Session, grade_id: int, *, error: str, next_attempt_at: datetime) -> None:
    """Record a failed send that will be tried again."""
    session.connection().execute(update(_GRADE).where(_GRADE.c.id == grade_id).values(
        claimed_until=None, last_error=error[:500], next_attempt_at=next_attempt_at))


def mark_grade_failed(session: Session, grade_id: int, *, error: str, now: datetime) -> None:
    """Record that a score is given up on."""
    session.connection().execute(update(_GRADE).where(_GRADE.c.id == grade_id).values(
        claimed_until=None, last_error=error[:500], failed_at=now))


def count_grades(session: Session) -> GradeCounts:
    """Return how many scores wait, were sent, or were given up on."""
    sent = func.count().filter(_GRADE.c.sent_at.is_not(None))
    failed = func.count().filter(_GRADE.c.failed_at.is_not(None))
    pending = func.count().filter(_GRADE.c.sent_at.is_(None), _GRADE.c.failed_at.is_(None))
    row = session.connection().execute(select(pending, sent, failed)).one()
    return GradeCounts(pending=int(row[0]), sent=int(row[1]), failed=int(row[2]))
