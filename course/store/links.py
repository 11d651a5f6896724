"""Queries about one-time links, the mail outbox and reset requests. Tokens are never stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlmodel import Session

from course.store._sql import dialect_name
from course.store.tables import AccessLink, MailOutbox, Person, ResetRequest

#: Rows per statement when many emails are looked up at once (well under every driver's limit).
CHUNK = 500


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person as an invitation needs them: id, name, whether active, whether they can sign in."""

    person_id: int
    email: str
    name: str
    active: bool
    has_passphrase: bool


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A stored link: whose, what for, until when, and whether it still works."""

    id: str
    person_id: int
    kind: str
    expires_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class DueMail:
    """A queued email claimed for sending, with what its text needs."""

    id: int
    key: str
    kind: str
    recipient: str
    name: str
    link_id: str | None
    link_kind: str | None
    expires_at: datetime | None
    closed_at: datetime | None
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    """How many emails wait, were sent, and were given up on."""

    waiting: int
    sent: int
    failed: int


@dataclass(frozen=True, slots=True)
class FailedMail:
    """An email given up on, with the last error."""

    recipient: str
    kind: str
    attempts: int
    failed_at: datetime
    last_error: str


def find_recipients(session: Session, emails: Sequence[str]) -> dict[str, Recipient]:
    """Return the people with these (normalised) emails, by email, in a few statements."""
    person = _table(Person)
    found: dict[str, Recipient] = {}
    connection = session.connection()
    for start in range(0, len(emails), CHUNK):
        chunk = list(emails[start : start + CHUNK])
        rows = connection.execute(
            select(person.c.id, person.c.email, person.c.name, person.c.active,
                   person.c.passphrase_hash.is_not(None)).where(person.c.email.in_(chunk))
        )
        for person_id, email, name, active, has_passphrase in rows:
            found[email] = Recipient(int(person_id), email, name, bool(active), bool(has_passphrase))
    return found


def close_open_links(session: Session, person_ids: Sequence[int], *, kind: str | None, now: datetime) -> int:
    """Close the people's links still open (of one kind, or all); return how many were closed."""
    link = _table(AccessLink)
    closed = 0
    for start in range(0, len(person_ids), CHUNK):
        condition = link.c.person_id.in_(list(person_ids[start : start + CHUNK])) & link.c.closed_at.is_(None)
        if kind is not None:
            condition = condition & (link.c.kind == kind)
        closed += session.connection().execute(update(link).where(condition).values(closed_at=now)).rowcount
    return closed


def insert_links(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Insert links in one statement per batch (id, person_id, kind, token_hash, times)."""
    if rows:
        session.connection().execute(insert(_table(AccessLink)), list(rows))


def insert_mail(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Queue emails in one statement per batch; rows carry key, kind, person_id, link_id, recipient."""
    if rows:
        session.connection().execute(insert(_table(MailOutbox)), list(rows))


def set_token_hash(session: Session, link_id: str, token_hash: str) -> None:
    """Store the hash of the token just drawn for a link (it replaces any earlier one)."""
    link = _table(AccessLink)
    session.connection().execute(update(link).where(link.c.id == link_id).values(token_hash=token_hash))


def find_link(session: Session, token_hash: str) -> LinkRow | None:
    """Return the link whose token has this hash, or None."""
    link = _table(AccessLink)
    row = session.connection().execute(
        select(link.c.id, link.c.person_id, link.c.kind, link.c.expires_at, link.c.closed_at)
        .where(link.c.token_hash == token_hash)
    ).first()
    return None if row is None else LinkRow(row[0], int(row[1]), row[2], row[3], row[4])


def close_link(session: Session, link_id: str, *, now: datetime) -> bool:
    """Close one link if it is still open; return whether this call closed it (one use only)."""
    link = _table(AccessLink)
    result = session.connection().execute(
        update(link).where(link.c.id == link_id, link.c.closed_at.is_(None)).values(closed_at=now)
    )
    return bool(result.rowcount == 1)


# --- outbox ----------------------------------------------------------------------------------


def claim_due_mail(session: Session, *, now: datetime, limit: int | None, retry_at: datetime,
                   held: frozenset[str] = frozenset(), kind: str | None = None,
                   recipients: Sequence[str] = ()) -> list[DueMail]:
    """Claim up to `limit` due emails, none of the `held` kinds: count the attempt, hold until `retry_at`.

    `kind` and `recipients` narrow the claim to one kind of email to these addresses (every one
    that is due when `limit` is None). A sender that dies mid-way leaves its claims to be
    retried at `retry_at`; on PostgreSQL, concurrent senders skip each other's rows instead of
    waiting.
    """
    outbox, link, person = _table(MailOutbox), _table(AccessLink), _table(Person)
    statement = (
        select(outbox.c.id, outbox.c.key, outbox.c.kind, outbox.c.recipient, person.c.name,
               outbox.c.link_id, link.c.kind, link.c.expires_at, link.c.closed_at, outbox.c.attempts)
        .join(person, person.c.id == outbox.c.person_id)
        .join(link, link.c.id == outbox.c.link_id, isouter=True)
        .where(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None), outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if kind is not None:
        statement = statement.where(outbox.c.kind == kind, outbox.c.recipient.in_(list(recipients)))
    if held:
        statement = statement.where(outbox.c.kind.not_in(sorted(held)))
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(of=outbox, skip_locked=True)
    rows = [DueMail(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], int(r[9]) + 1)
            for r in session.connection().execute(statement)]
    if rows:
        session.connection().execute(
            update(outbox).where(outbox.c.id.in_([r.id for r in rows]))
            .values(attempts=outbox.c.attempts + 1, next_attempt_at=retry_at)
        )
    return rows


def mark_sent(session: Session, mail_id: int, *, now: datetime) -> None:
    """Record that the email was handed to the mail server."""
    outbox = _table(MailOutbox)
    session.connection().execute(
        update(outbox).where(outbox.c.id == mail_id).values(sent_at=now, last_error="")
    )


def mark_not_sent(
    session: Session, mail_id: int, *, error: str, retry_at: datetime | None, now: datetime
) -> None:
    """Record why the email was not sent: retried at `retry_at`, or given up when that is None."""
    outbox = _table(MailOutbox)
    values: dict[str, object] = {"last_error": error[:500]}
    if retry_at is None:
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = retry_at
    session.connection().execute(update(outbox).where(outbox.c.id == mail_id).values(values))


def count_mail(session: Session) -> OutboxCounts:
    """Return how many emails wait, were sent and were given up on."""
    outbox = _table(MailOutbox)
    sent = func.count(outbox.c.sent_at)
    failed = func.count(outbox.c.failed_at)
    total, sent_count, failed_count = session.connection().execute(select(func.count(), sent, failed)).one()
    return OutboxCounts(waiting=int(total) - int(sent_count) - int(failed_count), sent=int(sent_count),
                        failed=int(failed_count))


def list_failed_mail(session: Session, *, limit: int = 100) -> list[FailedMail]:
    """Return the emails given up on, most recent first."""
    outbox = _table(MailOutbox)
    rows = session.connection().execute(
        select(outbox.c.recipient, outbox.c.kind, outbox.c.attempts, outbox.c.failed_at, outbox.c.last_error)
        .where(outbox.c.failed_at.is_not(None)).order_by(outbox.c.failed_at.desc()).limit(limit)
    )
    return [FailedMail(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]


# --- reset requests --------------------------------------------------------------------------


def serialise_reset_requests(session: Session) -> None:
    """Make concurrent reset requests wait for each other, so none slips under a limit.

    SQLite write transactions already begin with BEGIN IMMEDIATE; PostgreSQL needs a lock.
    """
    if dialect_name(session) == "postgresql":
        session.connection().execute(text("LOCK TABLE reset_request IN EXCLUSIVE MODE"))


def record_reset_request(session: Session, account: str, *, address: str, now: datetime) -> None:
    """Keep a reset request, known email or not."""
    session.connection().execute(
        insert(_table(ResetRequest)), {"account": account[:254], "address": address[:64], "at": now}
    )


def count_reset_requests(session: Session, account: str, *, address: str, since: datetime) -> tuple[int, int]:
    """Count reset requests since the time: for the email, and from the address (0 if unknown)."""
    request = _table(ResetRequest)
    connection = session.connection()
    by_account = connection.execute(
        select(func.count()).where(request.c.account == account, request.c.at >= since)
    ).scalar_one()
    by_address = 0
    if address:
        by_address = connection.execute(
            select(func.count()).where(request.c.address == address, request.c.at >= since)
        ).scalar_one()
    return int(by_account), int(by_address)


def purge_reset_requests(session: Session, *, before: datetime) -> int:
    """Delete reset requests older than the time; return how many."""
    request = _table(ResetRequest)
    return int(session.connection().execute(delete(request).where(request.c.at < before)).rowcount)



def purge_links(session: Session, *, before: datetime) -> int:
    """Delete links closed or expired before the time (their emails go with them); return how many."""
    link = _table(AccessLink)
    stale = (link.c.closed_at < before) | (link.c.expires_at < before)
    outbox = _table(MailOutbox)
    connection = session.connection()
    # Deleted here too, not left to ON DELETE CASCADE, so it holds whatever the connection's settings.
    connection.execute(delete(outbox).where(outbox.c.link_id.in_(select(link.c.id).where(stale))))
    return int(connection.execute(delete(link).where(stale)).rowcount)
