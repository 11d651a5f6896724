"""What the reminder job reads and writes: enrolments with managers, queued keys, opt-outs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, case, distinct, func, insert, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session

from course.domain.messages import MessageKind
from course.store._sql import dialect_name
from course.store.tables import Assignment, Enrolment, MailOptOut, MailOutbox, Person

#: Rows per insert statement (well under every driver's parameter limit).
CHUNK = 500
#: The PostgreSQL advisory lock that lets one planner at a time read the day's counts and queue.
_PLANNER_LOCK = 1_702_017_001
#: What a manager's notes of one day count as in the daily cap: one email (no key looks like it).
DIGEST_MARK = "(gathered notes to a manager)"


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True, slots=True)
class EnrolmentFacts:
    """One active person enrolled in an assignment, with their manager and their opt-out."""

    assignment_id: int
    person_id: int
    manager_id: int | None
    opted_out: bool


def running_enrolments(session: Session, *, optional_kind: str) -> list[EnrolmentFacts]:
    """Return every active person's enrolment in a running assignment (one query).

    The manager is given only when they are active; `opted_out` says whether the person stopped
    emails of `optional_kind`.
    """
    assignment, enrolment = _table(Assignment), _table(Enrolment)
    person, opt_out = _table(Person), _table(MailOptOut)
    manager = aliased(person)
    statement = (
        select(enrolment.c.assignment_id, person.c.id, manager.c.id, opt_out.c.person_id)
        .join(assignment, enrolment.c.assignment_id == assignment.c.id)
        .join(person, person.c.id == enrolment.c.person_id)
        .join(manager, and_(manager.c.id == person.c.manager_id, manager.c.active.is_(True)), isouter=True)
        .join(opt_out, and_(opt_out.c.person_id == person.c.id, opt_out.c.kind == optional_kind),
              isouter=True)
        .where(assignment.c.ended_at.is_(None), person.c.active.is_(True))
    )
    return [EnrolmentFacts(r[0], r[1], r[2], r[3] is not None)
            for r in session.connection().execute(statement)]


def lock_planner(session: Session) -> None:
    """Make concurrent planners queue one after the other (SQLite's BEGIN IMMEDIATE already does)."""
    if dialect_name(session) == "postgresql":
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PLANNER_LOCK})


def queued_keys(session: Session, kinds: Iterable[str]) -> set[str]:
    """Return the keys of every email of these kinds in the outbox (queued, sent or given up)."""
    outbox = _table(MailOutbox)
    statement = select(outbox.c.key).where(outbox.c.kind.in_(sorted(kinds)))
    return {str(r[0]) for r in session.connection().execute(statement)}


def count_queued_since(session: Session, since: datetime) -> dict[int, int]:
    """Return how many emails each person has been queued since the time (kinds all together).

    A manager's notes about late people go out gathered in one email, so they count once.
    """
    outbox = _table(MailOutbox)
    email = case((outbox.c.kind == MessageKind.OVERDUE_MANAGER.value, literal(DIGEST_MARK)),
                 else_=outbox.c.key)
    statement = (select(outbox.c.person_id, func.count(distinct(email)))
                 .where(outbox.c.created_at >= since).group_by(outbox.c.person_id))
    return {int(r[0]): int(r[1]) for r in session.connection().execute(statement)}


def queue_mail(session: Session, rows: Sequence[dict[str, object]]) -> int:
    """Queue emails, skipping any whose key is already in the outbox; return how many were added."""
    outbox = _table(MailOutbox)
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    added = 0
    for start in range(0, len(rows), CHUNK):
        statement = (dialect.insert(outbox).on_conflict_do_nothing(index_elements=["key"])
                     .returning(outbox.c.id))  # a driver's rowcount of a batch may be -1
        added += len(session.connection().execute(statement, list(rows[start:start + CHUNK])).all())
    return added


@dataclass(frozen=True, slots=True)
class PersonBrief:
    """A person's name and email, for the words of a message."""

    id: int
    name: str
    email: str


def find_person(session: Session, person_id: int) -> PersonBrief | None:
    """Return the person's name and email, if they exist and are active."""
    person = _table(Person)
    row = session.connection().execute(
        select(person.c.id, person.c.name, person.c.email)
        .where(person.c.id == person_id, person.c.active.is_(True))).first()
    return None if row is None else PersonBrief(int(row[0]), row[1], row[2])


def add_opt_out(session: Session, person_id: int, kind: str, *, now: datetime) -> bool:
    """Record that the person stops emails of this kind; False when they already had."""
    opt_out = _table(MailOptOut)
    known = session.connection().execute(
        select(opt_out.c.person_id).where(opt_out.c.person_id == person_id, opt_out.c.kind == kind)).first()
    if known is not None:
        return False
    session.connection().execute(insert(opt_out), {"person_id": person_id, "kind": kind, "created_at": now})
    return True


def has_opted_out(session: Session, person_id: int, kind: str) -> bool:
    """Tell whether the person stopped emails of this kind."""
    opt_out = _table(MailOptOut)
    return session.connection().execute(
        select(opt_out.c.person_id).where(opt_out.c.person_id == person_id, opt_out.c.kind == kind)
    ).first() is not None


def find_emails(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """Return the email of each active person among these ids."""
    person = _table(Person)
    found: dict[int, str] = {}
    for start in range(0, len(person_ids), CHUNK):
        chunk = list(person_ids[start:start + CHUNK])
        rows = session.connection().execute(
            select(person.c.id, person.c.email).where(person.c.id.in_(chunk), person.c.active.is_(True)))
        found |= {int(r[0]): str(r[1]) for r in rows}
    return found
