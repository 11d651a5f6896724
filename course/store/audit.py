"""The audit log: sign-ins, denials, account and role changes, publication and exports."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, func, insert, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from course.store.tables import AuditEvent, Person

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One event of the audit log, as shown to admins."""

    id: int
    at: datetime
    kind: str
    actor: str
    subject: str
    target: str
    detail: dict[str, object]
    address: str
    #: The names of who acted and to whom, as they are now ("" when unknown or erased).
    actor_name: str = ""
    subject_name: str = ""


def record_event(
    session: Session,
    kind: str,
    *,
    now: datetime,
    actor_id: int | None = None,
    actor_label: str = "",
    subject_id: int | None = None,
    subject_label: str = "",
    target: str = "",
    detail: dict[str, object] | None = None,
    address: str = "",
) -> None:
    """Append an event to the audit log (in the caller's transaction), and log one line for it."""
    log.info("audit event %s", kind, extra={"event": kind, "person_id": actor_id})
    session.connection().execute(
        insert(AuditEvent.__table__),  # type: ignore[attr-defined]
        {
            "at": now,
            "kind": kind,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "subject_id": subject_id,
            "subject_label": subject_label,
            "target": target[:200],
            "detail": json.dumps(detail or {}, sort_keys=True, default=str)[:4000],
            "address": address[:64],
        },
    )


def _conditions(kind: str | None, person: str, since: date | None, until: date | None,
                actor: Any, subject: Any) -> list[Any]:
    """Return the WHERE conditions of a filter; the person is matched in labels and names."""
    conditions: list[Any] = []
    if kind:
        conditions.append(col(AuditEvent.kind) == kind)
    if since is not None:
        conditions.append(col(AuditEvent.at) >= datetime.combine(since, time.min, tzinfo=UTC))
    if until is not None:
        after = until + timedelta(days=1)
        conditions.append(col(AuditEvent.at) < datetime.combine(after, time.min, tzinfo=UTC))
    text = person.strip().lower()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            col(AuditEvent.actor_label), col(AuditEvent.subject_label), actor.name, subject.name))))
    return conditions


def list_events(
    session: Session,
    *,
    limit: int = 200,
    offset: int = 0,
    kind: str | None = None,
    person_id: int | None = None,
    person: str = "",
    since: date | None = None,
    until: date | None = None,
) -> list[AuditEntry]:
    """Return the newest events first, filtered by kind, person (id, or text in an email or a
    name of who acted or to whom) and days (UTC, both included); one page of `limit` from `offset`.
    """
    return search_events(session, limit=limit, offset=offset, kind=kind, person_id=person_id, person=person,
                         since=since, until=until)[0]


def search_events(
    session: Session,
    *,
    limit: int,
    offset: int = 0,
    kind: str | None = None,
    person_id: int | None = None,
    person: str = "",
    since: date | None = None,
    until: date | None = None,
) -> tuple[list[AuditEntry], int]:
    """Return one page of the filtered events, newest first, and how many match in all.

    The total comes with the page in one statement (a window count); only a page past the end
    asks for it apart.
    """
    actor, subject = aliased(Person), aliased(Person)
    statement = (
        select(AuditEvent, actor.name, subject.name, func.count().over())
        .outerjoin(actor, col(AuditEvent.actor_id) == actor.id)
        .outerjoin(subject, col(AuditEvent.subject_id) == subject.id)
        .where(*_conditions(kind, person, since, until, actor, subject))
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
        .offset(offset)
    )
    if person_id is not None:
        statement = statement.where(
            (col(AuditEvent.actor_id) == person_id) | (col(AuditEvent.subject_id) == person_id)
        )
    rows = list(session.exec(statement))
    if not rows:
        total = 0 if offset == 0 or person_id is not None else count_events(
            session, kind=kind, person=person, since=since, until=until)
        return [], total
    entries = [
        AuditEntry(
            id=event.id or 0,
            at=event.at,
            kind=event.kind,
            actor=event.actor_label,
            subject=event.subject_label,
            target=event.target,
            detail=_detail(event.detail),
            address=event.address,
            actor_name=actor_name or "",
            subject_name=subject_name or "",
        )
        for event, actor_name, subject_name, _total in rows
    ]
    return entries, int(rows[0][3])


def count_events(
    session: Session,
    *,
    kind: str | None = None,
    person: str = "",
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Return how many events match the same filter as `list_events`."""
    actor, subject = aliased(Person), aliased(Person)
    statement = select(func.count()).select_from(AuditEvent)
    if person.strip():
        statement = (statement.outerjoin(actor, col(AuditEvent.actor_id) == actor.id)
                     .outerjoin(subject, col(AuditEvent.subject_id) == subject.id))
    statement = statement.where(*_conditions(kind, person, since, until, actor, subject))
    return int(session.exec(statement).one())


def has_event_since(session: Session, kind: str, *, since: datetime, target: str,
                    address: str | None = None) -> bool:
    """Tell whether an event of this kind and target (and address, unless None) was recorded since a time.

    Lets a refusal that a flood repeats be audited once a while instead of once a request.
    """
    conditions = [col(AuditEvent.kind) == kind, col(AuditEvent.at) >= since, col(AuditEvent.target) == target]
    if address is not None:
        conditions.append(col(AuditEvent.address) == address[:64])
    return bool(session.exec(select(exists().where(*conditions))).one())


def _detail(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except ValueError:  # cut at 4,000 characters when it was written
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def record_events(session: Session, events: list[dict[str, object]], *, now: datetime) -> None:
    """Append many events in one statement; each holds kind and any of record_event's labels."""
    if not events:
        return
    log.info("audit events recorded in bulk: %d", len(events))
    rows = [
        {
            "at": now,
            "kind": event["kind"],
            "actor_id": event.get("actor_id"),
            "actor_label": event.get("actor_label", ""),
            "subject_id": event.get("subject_id"),
            "subject_label": event.get("subject_label", ""),
            "target": str(event.get("target", ""))[:200],
            "detail": json.dumps(event.get("detail") or {}, sort_keys=True, default=str)[:4000],
            "address": str(event.get("address", ""))[:64],
        }
        for event in events
    ]
    session.connection().execute(insert(AuditEvent.__table__), rows)  # type: ignore[attr-defined]
