"""The audit log: sign-ins, denials, account and role changes, publication and exports."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from course.store.tables import AuditEvent

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


def list_events(
    session: Session, *, limit: int = 200, kind: str | None = None, person_id: int | None = None
) -> list[AuditEntry]:
    """Return the newest events first, optionally of one kind or about one person."""
    statement = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if kind is not None:
        statement = statement.where(AuditEvent.kind == kind)
    if person_id is not None:
        statement = statement.where(
            (col(AuditEvent.actor_id) == person_id) | (col(AuditEvent.subject_id) == person_id)
        )
    return [
        AuditEntry(
            id=event.id or 0,
            at=event.at,
            kind=event.kind,
            actor=event.actor_label,
            subject=event.subject_label,
            target=event.target,
            detail=json.loads(event.detail),
            address=event.address,
        )
        for event in session.exec(statement)
    ]


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
