"""Assignment emails rendered from the course's message templates when the outbox sends them.

The welcome and the reminders to the learner carry a calendar file of the due date; the optional
reminder carries a signed unsubscribe link; the note to a manager names the person who is late,
and the notes to one manager that are due together go as one email that lists them all.
A message whose assignment ended, or whose person left, renders as None and is not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from course.content.messages import MessageSet
from course.domain.assignments import add_months
from course.domain.calendar import DueEvent, render_ics
from course.domain.mail import Attachment, OutgoingMail
from course.domain.messages import OPTIONAL_KINDS, MessageKind, fill, format_day
from course.domain.reminders import cycle_of, parse_reminder_key
from course.services.reminder_settings import read_reminder_settings
from course.services.unsubscribe import make_token, signing_key, unsubscribe_url
from course.settings import MailSettings
from course.store import assignments, links
from course.store import reminders as store
from course.store.engine import Session


def _due_of(row: assignments.AssignmentRow, cycle: int) -> date:
    return add_months(row.due_on, row.retake_months * cycle) if row.retake_months else row.due_on


def _calendar(row: assignments.AssignmentRow, person_id: int, cycle: int, due: date, *, link: str,
              when: datetime, domain: str) -> Attachment:
    event = DueEvent(uid=f"assignment-{row.id}-{person_id}-{cycle}@{domain}", day=due,
                     summary=f"Due: {row.title}", description=f"Complete {row.title}. {link}", url=link)
    return Attachment("due-date.ics", "text/calendar", render_ics(event, stamp=when).encode("utf-8"))


def _message_id(due: links.DueMail) -> str:
    return f"nts.{due.key.replace(':', '.')}.{due.attempts}"


def _domain(mail: MailSettings) -> str:
    return mail.sender.rpartition("@")[2] or "localhost"


def render_welcome(session: Session, due: links.DueMail, *, mail: MailSettings, messages: MessageSet,
                   when: datetime) -> OutgoingMail | None:
    """Render an assignment's welcome email (key "assigned:<assignment>:<person>")."""
    parts = due.key.split(":")
    row = assignments.get_assignment(session, int(parts[1]))
    if row is None or row.ended_at is not None:
        return None
    person_id = int(parts[2])
    today = read_reminder_settings(session).local_day(when)
    cycle = cycle_of(row.starts_on, row.retake_months, max(today, row.starts_on))
    due_on = _due_of(row, cycle)
    link = mail.public_url.rstrip("/") + "/"
    filled = fill(messages.get(MessageKind.WELCOME), {
        "name": due.name or due.recipient, "item": row.title, "due_date": format_day(due_on),
        "link": link, "days_left": str(max((due_on - today).days, 0))})
    return OutgoingMail(due.recipient, filled.subject, filled.text, filled.html, _message_id(due),
                        (_calendar(row, person_id, cycle, due_on, link=link, when=when,
                                   domain=_domain(mail)),))


def render_reminder(session: Session, due: links.DueMail, *, mail: MailSettings, messages: MessageSet,
                    when: datetime) -> OutgoingMail | None:
    """Render a reminder or a manager's note from its outbox key; None when it no longer applies."""
    ref = parse_reminder_key(due.key)
    if ref is None:
        return None
    row = assignments.get_assignment(session, ref.assignment_id)
    person = store.find_person(session, ref.person_id)
    if row is None or row.ended_at is not None or person is None:
        return None
    if ref.kind in OPTIONAL_KINDS and store.has_opted_out(session, person.id, ref.kind.value):
        return None
    today = read_reminder_settings(session).local_day(when)
    due_on = _due_of(row, ref.cycle)
    link = mail.public_url.rstrip("/") + "/"
    values = {"name": due.name or due.recipient, "item": row.title, "due_date": format_day(due_on),
              "link": link, "days_left": str(max((due_on - today).days, 0))}
    unsubscribe = ""
    attachments: tuple[Attachment, ...] = ()
    if ref.kind is MessageKind.OVERDUE_MANAGER:
        values |= {"report_name": person.name or person.email, "report_email": person.email,
                   "days_overdue": str(max((today - due_on).days, 0))}
    else:
        attachments = (_calendar(row, person.id, ref.cycle, due_on, link=link, when=when,
                                 domain=_domain(mail)),)
    if ref.kind is MessageKind.REMINDER_BEFORE:
        token = make_token(signing_key(session, now=when), person.id, ref.kind)
        unsubscribe = unsubscribe_url(mail.public_url, token)
        values["unsubscribe_link"] = unsubscribe
    filled = fill(messages.get(ref.kind), values)
    return OutgoingMail(due.recipient, filled.subject, filled.text, filled.html, _message_id(due),
                        attachments, unsubscribe)


@dataclass(frozen=True, slots=True)
class _Late:
    """One note to a manager that still applies: who is late with what."""

    due: links.DueMail
    person_id: int
    line: str
    order: tuple[str, str]


def _late(session: Session, due: links.DueMail, today: date) -> _Late | None:
    ref = parse_reminder_key(due.key)
    if ref is None or ref.kind is not MessageKind.OVERDUE_MANAGER:
        return None
    row = assignments.get_assignment(session, ref.assignment_id)
    person = store.find_person(session, ref.person_id)
    if row is None or row.ended_at is not None or person is None:
        return None
    due_on = _due_of(row, ref.cycle)
    days = max((today - due_on).days, 0)
    late = f"{days} day{'' if days == 1 else 's'} late"
    who = f"{person.name} ({person.email})" if person.name else person.email
    return _Late(due, person.id, f"{who}: {row.title}, due {format_day(due_on)}, {late}",
                 ((person.name or person.email).casefold(), row.title.casefold()))


def render_manager_notes(session: Session, notes: Sequence[links.DueMail], *, mail: MailSettings,
                         messages: MessageSet, when: datetime) -> tuple[OutgoingMail | None,
                                                                        tuple[links.DueMail, ...]]:
    """Render one manager's notes about late people as one email; return it and the notes it carries.

    One note that still applies is sent in its own words (overdue-manager); several are listed
    in one email (overdue-digest). Notes whose assignment ended or whose person left are not
    carried, and the email is None when none is left.
    """
    today = read_reminder_settings(session).local_day(when)
    late = sorted((found for due in notes if (found := _late(session, due, today)) is not None),
                  key=lambda item: (item.order, item.due.id))
    if len(late) <= 1:
        single = late[0].due if late else None
        if single is None:
            return None, ()
        return render_reminder(session, single, mail=mail, messages=messages, when=when), (single,)
    first = late[0].due
    link = mail.public_url.rstrip("/") + "/"
    filled = fill(messages.get(MessageKind.OVERDUE_DIGEST),
                  {"name": first.name or first.recipient, "link": link,
                   "count": str(len({item.person_id for item in late}))},
                  {"reports": [item.line for item in late]})
    message = OutgoingMail(first.recipient, filled.subject, filled.text, filled.html, _message_id(first))
    return message, tuple(item.due for item in late)
