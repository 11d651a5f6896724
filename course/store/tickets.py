"""Queries about session tickets: one-time hand-overs of a session to the browser's cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from course.store.tables import SessionTicket


@dataclass(frozen=True, slots=True)
class TicketRow:
    """What a ticket hands over: a session (by its hash), a device value and where to go next."""

    person_id: int
    session_hash: str
    device: str
    return_path: str
    expires_at: datetime


def create_ticket(
    session: Session,
    ticket_hash: str,
    *,
    person_id: int,
    session_hash: str,
    device: str,
    return_path: str,
    expires_at: datetime,
) -> None:
    """Store a ticket under its hash."""
    session.connection().execute(
        insert(SessionTicket.__table__),  # type: ignore[attr-defined]
        {
            "id": ticket_hash,
            "person_id": person_id,
            "session_id": session_hash,
            "device": device,
            "return_path": return_path,
            "expires_at": expires_at,
        },
    )


def take_ticket(session: Session, ticket_hash: str) -> TicketRow | None:
    """Remove the ticket stored under this hash and return it; None when there is none.

    Only the transaction whose delete removed the row gets it: a ticket is used once, even by
    two requests at the same moment.
    """
    row = session.exec(select(SessionTicket).where(SessionTicket.id == ticket_hash)).first()
    if row is None:
        return None
    removed = session.connection().execute(
        delete(SessionTicket).where(col(SessionTicket.id) == ticket_hash)
    )
    if int(removed.rowcount) != 1:
        return None
    return TicketRow(row.person_id, row.session_id, row.device, row.return_path, row.expires_at)


def purge_tickets(session: Session, *, now: datetime) -> int:
    """Delete tickets that have expired by now; return how many."""
    result = session.connection().execute(
        delete(SessionTicket).where(col(SessionTicket.expires_at) <= now)
    )
    return int(result.rowcount)
