"""The mail outbox: send queued emails with retries, safely from several processes at once.

An email is claimed (its attempt counted, held for a lease) before it is sent. Its link's token
is drawn in the claim, stored as a hash, and put in the message: a retry draws a new one, so only
the last email sent for a link works. `send_outbox` is what a job runner (or `python -m course
mail send`) calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from course.content.messages import MessageSet, built_in_messages, load_messages
from course.domain.mail import (
    LinkKind,
    MailError,
    OutgoingMail,
    render_link,
    render_link_mail,
)
from course.domain.messages import MessageKind
from course.domain.permissions import Action, Actor
from course.domain.reminders import REMINDER_KINDS
from course.services import invitations
from course.services.accounts import hash_token
from course.services.invitations import new_token
from course.services.jobs import Job
from course.services.mail_messages import render_manager_notes, render_reminder, render_welcome
from course.services.permissions import require
from course.services.reminder_settings import read_reminder_settings
from course.settings import MailSettings
from course.store import links
from course.store.engine import Engine, Session, read_session, write_transaction


class MailSender(Protocol):
    """What services need of an email adapter: hand one message over, or raise MailError."""

    def send(self, message: OutgoingMail) -> None:
        """Send the message."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When an unsent email is tried again: doubling delays, then given up (and shown as failed)."""

    max_attempts: int = 8
    first_delay: timedelta = timedelta(minutes=1)
    longest_delay: timedelta = timedelta(hours=6)
    #: How long a claimed email is held before another sender may try it (if this one died).
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        """Return the wait after the given number of failed attempts."""
        doubled: timedelta = self.first_delay * 2 ** max(attempts - 1, 0)
        return min(doubled, self.longest_delay)


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one run of the outbox did."""

    sent: int
    retrying: int
    failed: int
    errors: tuple[str, ...]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: The outbox kind of an assignment's welcome email (key "assigned:<assignment id>:<person id>").
ASSIGNED = "assigned"


def course_messages(root: Path) -> MessageSet:
    """Return the course's message templates: its messages/ files, the built-in ones for the rest."""
    return load_messages(root)


#: Outbox kinds rendered from the course's message templates.
_TEMPLATED = frozenset({ASSIGNED, *(kind.value for kind in REMINDER_KINDS)})
#: The outbox kind of a note to a manager about a late person: one manager's go as one email.
_NOTE = MessageKind.OVERDUE_MANAGER.value


def _templated_mail(session: Session, due: links.DueMail, *, mail: MailSettings, messages: MessageSet,
                    when: datetime) -> OutgoingMail | None:
    """Render a welcome or a reminder; None when its assignment ended or its person left."""
    render = render_welcome if due.kind == ASSIGNED else render_reminder
    return render(session, due, mail=mail, messages=messages, when=when)


#: A claimed email: the queued rows it carries (one, or a manager's notes), and the message, or
#: None when it no longer applies (its link closed, its assignment ended, its person left).
Claimed = tuple[tuple[links.DueMail, ...], OutgoingMail | None]


def _claim(engine: Engine, *, mail: MailSettings, messages: MessageSet, retry: RetryPolicy,
           when: datetime, batch: int) -> list[Claimed]:
    """Claim due emails and draw each one's token; gather each manager's notes into one email.

    In the organisation's quiet hours reminders stay queued, so a retry of one that failed
    earlier never lands in them; invitations, resets and welcomes go at any hour.
    """
    claimed: list[Claimed] = []
    with write_transaction(engine, durable=False) as session:
        quiet = read_reminder_settings(session).is_quiet(when)
        held = frozenset(kind.value for kind in REMINDER_KINDS) if quiet else frozenset()
        due_now = links.claim_due_mail(session, now=when, limit=batch, retry_at=when + retry.lease, held=held)
        notes = _with_every_note(session, due_now, when=when, retry=retry)
        for due in due_now:
            if due.kind == _NOTE:
                continue
            message = (_templated_mail(session, due, mail=mail, messages=messages, when=when)
                       if due.kind in _TEMPLATED else _link_mail(session, due, mail=mail, when=when))
            claimed.append(((due,), message))
        for group in notes.values():
            message, carried = render_manager_notes(session, group, mail=mail, messages=messages, when=when)
            if message is None:
                carried = ()
            else:
                claimed.append((carried, message))
            claimed += [((due,), None) for due in group if due not in carried]  # no longer apply
    return claimed


def _with_every_note(session: Session, due_now: list[links.DueMail], *, when: datetime,
                     retry: RetryPolicy) -> dict[str, list[links.DueMail]]:
    """Return the claimed notes to managers by address, with every other one due to the same managers.

    A manager's notes are queued together but may fall into different batches; claiming the
    rest here sends them in one email instead of several.
    """
    notes: dict[str, list[links.DueMail]] = {}
    for due in due_now:
        if due.kind == _NOTE:
            notes.setdefault(due.recipient, []).append(due)
    if notes:
        for due in links.claim_due_mail(session, now=when, limit=None, retry_at=when + retry.lease,
                                        kind=_NOTE, recipients=sorted(notes)):
            notes[due.recipient].append(due)
    return notes


def _link_mail(session: Session, due: links.DueMail, *, mail: MailSettings,
               when: datetime) -> OutgoingMail | None:
    """Render an invitation or a password reset with a fresh token; None when its link is closed."""
    if due.link_id is None or due.link_kind is None or due.expires_at is None:
        return None
    expires = _aware(due.expires_at)
    if due.closed_at is not None or expires <= when:
        return None
    token = new_token()
    links.set_token_hash(session, due.link_id, hash_token(token))
    kind = LinkKind(due.link_kind)
    return render_link_mail(
        kind, recipient=due.recipient, name=due.name, expires_at=expires,
        link=render_link(mail.public_url, kind, token),
        message_id=f"nts.{due.key.replace(':', '.')}.{due.attempts}",
    )


def _send_one(engine: Engine, sender: MailSender, carried: tuple[links.DueMail, ...],
              message: OutgoingMail | None, *, retry: RetryPolicy,
              when: datetime) -> list[tuple[links.DueMail, str | None, bool]]:
    """Send one email and record the outcome on every row it carries: (row, error, given up)."""
    first = carried[0]
    error = None
    if message is None:
        error = ("the assignment ended, or its person left or opted out, before it was sent"
                 if first.kind in _TEMPLATED
                 else "the link was used, replaced or expired before it was sent")
    else:
        try:
            sender.send(message)
        except MailError as problem:
            error = str(problem)
    outcome = []
    with write_transaction(engine, durable=False) as session:
        for due in carried:
            give_up = message is None or due.attempts >= retry.max_attempts
            if error is None:
                links.mark_sent(session, due.id, now=when)
            else:
                retry_at = None if give_up else when + retry.delay(due.attempts)
                links.mark_not_sent(session, due.id, error=error, retry_at=retry_at, now=when)
            outcome.append((due, error, give_up))
    return outcome


def send_outbox(
    engine: Engine,
    sender: MailSender,
    *,
    mail: MailSettings,
    retry: RetryPolicy = RetryPolicy(),
    batch: int = 50,
    limit: int | None = None,
    now: datetime | None = None,
    messages: MessageSet | None = None,
) -> SendReport:
    """Send every due email (or up to `limit`); failures wait and are retried, then given up.

    Safe to run from several processes at once: each email is claimed before it is sent.
    Assignment emails are worded by `messages` (the course's templates; the built-in ones if None).
    """
    when = _now(now)
    worded = messages or built_in_messages()
    sent = retrying = failed = 0
    errors: list[str] = []
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        claimed = _claim(engine, mail=mail, messages=worded, retry=retry, when=when, batch=size)
        if not claimed:
            break
        done += len(claimed)
        for carried, message in claimed:
            outcome = _send_one(engine, sender, carried, message, retry=retry, when=when)
            for due, error, give_up in outcome:
                if error is None:
                    sent += 1
                elif give_up:
                    failed += 1
                    errors.append(f"{due.recipient}: {error}")
                else:
                    retrying += 1
                    errors.append(f"{due.recipient}: {error} (will retry)")
    return SendReport(sent, retrying, failed, tuple(errors))


def mail_status(engine: Engine, *, by: Actor | None) -> tuple[links.OutboxCounts, list[links.FailedMail]]:
    """Return how many emails wait, were sent and failed, and the latest failures (admins only)."""
    if by is not None:
        require(engine, by, Action.MANAGE_PEOPLE)
    with read_session(engine) as session:
        return links.count_mail(session), links.list_failed_mail(session)


def mail_job(settings: MailSettings, sender: MailSender, *, batch: int = 200,
             content_root: Path | None = None) -> Job:
    """Return the job that drains the outbox and purges old links, for the job runner.

    Each run sends at most `batch` emails so that it ends well within its lease; the next run
    (a minute later) carries on. The edge passes the adapter in (SMTP, or the console).
    Assignment emails are worded by the messages of the course at `content_root`, read on each
    run so that a trainer's change needs no restart (the built-in wording when it is None).
    """

    def send(engine: Engine, now: datetime) -> str:
        messages = None if content_root is None else course_messages(content_root)
        report = send_outbox(engine, sender, mail=settings, limit=batch, now=now, messages=messages)
        purged, requests = invitations.purge_link_records(engine, now=now)
        return (f"{report.sent} sent, {report.retrying} to retry, {report.failed} given up; "
                f"purged {purged} old link(s) and {requests} reset request(s)")

    return Job(name="send-mail", every=timedelta(minutes=1), lease=timedelta(minutes=10), run=send)
