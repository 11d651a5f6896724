"""Reminders end to end: queued by the job, sent over real SMTP with text, HTML and a calendar
file, stopped by a signed unsubscribe link, and ruled by settings only an admin may change."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import icalendar
import pytest
from sqlalchemy import Engine, select, update

from course.content.messages import built_in_messages
from course.domain.assignments import Plan, Rule, TargetKind
from course.domain.mail import OutgoingMail
from course.domain.messages import MessageKind
from course.domain.model import Course
from course.domain.permissions import Actor
from course.integrations.mail import SmtpMailer
from course.services import assignments, outbox, reminder_settings, unsubscribe
from course.services.org_settings import SettingsError
from course.services.permissions import PermissionDenied
from course.services.reminders import queue_reminders
from course.settings import MailSettings
from course.store import audit
from course.store.engine import read_session, write_transaction
from course.store.tables import MailOutbox, Person
from tests.databases import MakePerson
from tests.mail_sink import MailSink

START, DUE = date(2026, 5, 1), date(2026, 5, 20)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def course(bundled_course: Course) -> Course:
    return bundled_course


def _team(engine: Engine, make_person: MakePerson) -> tuple[Actor, Actor, Actor]:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    grace = make_person("grace@example.org", department="hr", name="Grace Manager")
    ada = make_person("ada@example.org", department="legal", name="Ada <b>Lovelace</b>")
    with write_transaction(engine) as session:
        session.connection().execute(update(Person).where(Person.id == ada.person_id)  # type: ignore[arg-type]
                                     .values(manager_id=grace.person_id))
    return admin, grace, ada


def _assign(engine: Engine, admin: Actor, course: Course, *, due: date = DUE) -> int:
    plan = Plan(TargetKind.TRACK, "legal", Rule.of(departments=["legal"]), START, due)
    return assignments.create_assignment(engine, admin, course, plan, now=at(START, 9)).assignment_id


def _send(engine: Engine, sink: MailSink, when: datetime) -> outbox.SendReport:
    return outbox.send_outbox(engine, SmtpMailer(sink.settings()), mail=sink.settings(), now=when,
                              messages=built_in_messages())


def _calendar(message: EmailMessage) -> icalendar.Component:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "due-date.ics"
    (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
    return event


def test_welcome_reminders_and_the_managers_note_arrive_over_smtp(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    admin, _grace, _ada = _team(engine, make_person)
    _assign(engine, admin, course)
    assert _send(engine, mail_sink, at(START, 9)).sent == 1
    (welcome,) = mail_sink.wait_for("ada@example.org")
    assert welcome["Subject"] == "Please complete Legal & compliance track by Wednesday 20 May 2026"
    assert _calendar(welcome).decoded("DTSTART") == DUE
    html = welcome.get_body(preferencelist=("html",))
    text = welcome.get_body(preferencelist=("plain",))
    assert html is not None and text is not None
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html.get_content()  # the name is not markup
    assert "Hello Ada <b>Lovelace</b>," in text.get_content()

    days = [(DUE - timedelta(days=3), "ada@example.org"), (DUE, "ada@example.org"),
            (DUE + timedelta(days=1), "grace@example.org")]
    for day, recipient in days:
        assert queue_reminders(engine, course, days_before=7, now=at(day)).queued == 1
        assert queue_reminders(engine, course, days_before=7, now=at(day, 11)).queued == 0  # cap, keys
        assert _send(engine, mail_sink, at(day)).sent == 1
        assert mail_sink.wait_for(recipient)
    before, due_today = mail_sink.wait_for("ada@example.org", count=3)[1:]
    assert before["Subject"] == "Reminder: Legal & compliance track is due on Wednesday 20 May 2026"
    assert before["List-Unsubscribe"].startswith("<http://app.example/mail/unsubscribe?t=reminder-before.")
    before_text = before.get_body(preferencelist=("plain",))
    assert before_text is not None and "http://app.example/mail/unsubscribe?t=" in before_text.get_content()
    assert _calendar(before)["URL"] == "http://app.example/"
    assert due_today["Subject"] == "Legal & compliance track is due today"
    assert due_today["List-Unsubscribe"] is None
    assert _calendar(due_today).decoded("DTEND") == DUE + timedelta(days=1)
    (note,) = mail_sink.wait_for("grace@example.org")
    assert note["Subject"] == "Ada <b>Lovelace</b> has not yet completed Legal & compliance track"
    note_html = note.get_body(preferencelist=("html",))
    assert note_html is not None and "ada@example.org" in note_html.get_content()
    assert "<b>Lovelace" not in note_html.get_content() and not list(note.iter_attachments())
    # Later days add nothing: each kind went once for this cycle.
    for later in range(2, 6):
        assert queue_reminders(engine, course, days_before=7, now=at(DUE + timedelta(days=later))).queued == 0


def test_the_unsubscribe_link_stops_only_optional_reminders_and_is_audited(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin, _grace, ada = _team(engine, make_person)
    _assign(engine, admin, course)
    with write_transaction(engine) as session:
        key = unsubscribe.signing_key(session, now=at(START))
    token = unsubscribe.make_token(key, ada.person_id, MessageKind.REMINDER_BEFORE)
    forged = token.replace(f".{ada.person_id}.", f".{ada.person_id + 1}.")
    for bad in (forged, token[:-1] + ("A" if token[-1] != "A" else "B"), "", "x" * 5000,
                f"reminder-due.{ada.person_id}.{token.rpartition('.')[2]}"):
        assert unsubscribe.opt_out(engine, bad, now=at(START)).holder is None
    with pytest.raises(ValueError, match="cannot be stopped"):
        unsubscribe.make_token(key, ada.person_id, MessageKind.REMINDER_DUE)
    assert unsubscribe.check_link(engine, token).already is False
    state = unsubscribe.opt_out(engine, token, address="203.0.113.9", now=at(START))
    assert state.holder is not None and state.email == "ada@example.org" and not state.already
    assert unsubscribe.opt_out(engine, token, now=at(START)).already  # a second click changes nothing
    with read_session(engine) as session:
        events = audit.list_events(session, kind="mail_opt_out")
    assert [(e.subject, e.target, e.address) for e in events] == [
        ("ada@example.org", "reminder-before", "203.0.113.9")]

    assert queue_reminders(engine, course, days_before=7, now=at(DUE - timedelta(days=3))).queued == 0
    assert queue_reminders(engine, course, days_before=7, now=at(DUE)).queued == 1  # due today still goes
    with read_session(engine) as session:
        kinds = [r[0] for r in session.connection().execute(select(MailOutbox.kind))]  # type: ignore[call-overload]
    assert sorted(kinds) == ["assigned", "reminder-due"]


def test_a_reminder_queued_before_the_opt_out_is_not_sent(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin, _grace, ada = _team(engine, make_person)
    _assign(engine, admin, course)
    assert queue_reminders(engine, course, days_before=7, now=at(DUE - timedelta(days=2))).queued == 1
    with write_transaction(engine) as session:
        key = unsubscribe.signing_key(session, now=at(START))
    unsubscribe.opt_out(engine, unsubscribe.make_token(key, ada.person_id, MessageKind.REMINDER_BEFORE))
    sent: list[OutgoingMail] = []

    class Keep:
        def send(self, message: OutgoingMail) -> None:
            sent.append(message)

    report = outbox.send_outbox(engine, Keep(), mail=MailSettings(), now=at(DUE - timedelta(days=2)))
    assert [m.message_id.split(".")[1] for m in sent] == ["assigned"]  # the welcome only
    assert report.failed == 1 and "opted out" in report.errors[0]


def test_only_an_admin_sets_the_reminder_rules_and_each_change_is_audited(
    engine: Engine, make_person: MakePerson
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    leader = make_person("lead@example.org", capabilities="leader", department="legal")
    learner = make_person("ada@example.org")
    for actor in (leader, learner):
        with pytest.raises(PermissionDenied):
            reminder_settings.update_reminder_settings(engine, actor, time_zone="UTC", quiet_start=0,
                                                       quiet_end=0, daily_cap=10)
    with pytest.raises(SettingsError, match="Unknown time zone"):
        reminder_settings.update_reminder_settings(engine, admin, time_zone="../etc/passwd",
                                                   quiet_start=20, quiet_end=8, daily_cap=1)
    chosen = reminder_settings.update_reminder_settings(engine, admin, time_zone="Europe/Berlin",
                                                        quiet_start=19, quiet_end=7, daily_cap=2)
    assert reminder_settings.get_reminder_settings(engine) == chosen
    with read_session(engine) as session:
        (event,) = audit.list_events(session, kind="reminder_settings_changed")
    assert event.actor == "admin@example.org"
    assert event.detail["after"] == {"time_zone": "Europe/Berlin", "quiet_start": 19, "quiet_end": 7,
                                     "daily_cap": 2}


def test_two_runners_at_the_same_moment_queue_each_reminder_once(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    for n in range(60):
        make_person(f"p{n}@example.org", department="legal")
    _assign(engine, admin, course)
    barrier = threading.Barrier(3)
    counts: list[int] = []

    def runner() -> None:
        barrier.wait()
        counts.append(queue_reminders(engine, course, days_before=7, now=at(DUE - timedelta(days=2))).queued)

    threads = [threading.Thread(target=runner) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 60]  # one runner queued everything; the others found it done
    with read_session(engine) as session:
        kinds = Counter(r[0] for r in session.connection().execute(select(MailOutbox.kind)))  # type: ignore[call-overload]
    assert kinds == {"assigned": 60, "reminder-before": 60}


def test_a_reminder_waiting_in_the_outbox_is_not_sent_in_the_quiet_hours(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    admin, _grace, _ada = _team(engine, make_person)
    _assign(engine, admin, course)
    assert _send(engine, mail_sink, at(START, 9)).sent == 1  # the welcome
    assert queue_reminders(engine, course, days_before=7, now=at(DUE, 19)).queued == 1
    assert _send(engine, mail_sink, at(DUE, 21)).sent == 0  # queued before 20:00, held after it
    assert _send(engine, mail_sink, at(DUE + timedelta(days=1), 7)).sent == 0
    assert _send(engine, mail_sink, at(DUE + timedelta(days=1), 8)).sent == 1  # the quiet hours end
    assert len(mail_sink.wait_for("ada@example.org", count=2)) == 2
