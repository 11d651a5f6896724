"""Notes to managers about late people: gathered into one email per manager, each person named once.

Driven end to end: the reminder job queues the notes, the mail job sends them over real SMTP (or
through a sender that fails on purpose), and the outbox is read back.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine, select, update

from course.content.messages import built_in_messages
from course.domain.assignments import Plan, Rule, TargetKind
from course.domain.mail import MailError, OutgoingMail
from course.domain.model import Course
from course.domain.permissions import Actor
from course.integrations.mail import SmtpMailer
from course.services import assignments, outbox
from course.services.reminders import queue_reminders
from course.settings import MailSettings
from course.store.engine import read_session, write_transaction
from course.store.tables import MailOutbox, Person
from tests.databases import MakePerson
from tests.mail_sink import MailSink

START, DUE = date(2026, 5, 1), date(2026, 5, 20)
LATE = DUE + timedelta(days=1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def course(bundled_course: Course) -> Course:
    return bundled_course


def _manage(engine: Engine, manager: Actor, reports: list[Actor]) -> None:
    with write_transaction(engine) as session:
        session.connection().execute(
            update(Person).where(Person.id.in_([r.person_id for r in reports]))  # type: ignore[union-attr,attr-defined]
            .values(manager_id=manager.person_id))


def _assign(engine: Engine, admin: Actor, course: Course, department: str, track: str = "legal") -> int:
    plan = Plan(TargetKind.TRACK, track, Rule.of(departments=[department]), START, DUE)
    return assignments.create_assignment(engine, admin, course, plan, now=at(START, 9)).assignment_id


def _graces_team(engine: Engine, make_person: MakePerson, course: Course,
                 people: list[tuple[str, str]]) -> list[Actor]:
    """Add Grace and the people she manages (email, name), all assigned the legal track."""
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    grace = make_person("grace@example.org", department="hr", name="Grace")
    team = [make_person(email, name=name) for email, name in people]
    _manage(engine, grace, team)
    _assign(engine, admin, course, "legal")
    return team


def _queue_late(engine: Engine, course: Course) -> int:
    """Send the welcomes and the reminders, so that the day after the due date holds only notes."""
    return queue_reminders(engine, course, days_before=7, now=at(LATE)).queued


def _bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _sent_notes(engine: Engine) -> Counter[str]:
    with read_session(engine) as session:
        rows = session.connection().execute(
            select(MailOutbox.kind, MailOutbox.sent_at, MailOutbox.failed_at)  # type: ignore[call-overload]
            .where(MailOutbox.kind == "overdue-manager"))
        return Counter("sent" if r[1] else "failed" if r[2] else "waiting" for r in rows)


def _send(engine: Engine, sender: outbox.MailSender, sink: MailSink, when: datetime) -> outbox.SendReport:
    return outbox.send_outbox(engine, sender, mail=sink.settings(), now=when, messages=built_in_messages())


def test_a_manager_of_sixty_late_people_gets_one_email_naming_each_of_them_once(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    people = [(f"p{n:02d}@example.org", f"Person {n:02d}") for n in range(59)]
    _graces_team(engine, make_person, course,
                 [*people, ("mallory@example.org", "<b>Mallory</b> [x](https://evil.example)")])
    assert _queue_late(engine, course) == 60
    smtp = SmtpMailer(mail_sink.settings())
    # 60 notes, claimed in batches of 50: the rest are gathered into the same email.
    report = _send(engine, smtp, mail_sink, at(LATE))
    assert report.sent == 60 + 60  # the notes, and the welcomes queued when they were enrolled
    (note,) = mail_sink.wait_for("grace@example.org")
    assert note["Subject"] == "Not yet completed by the due date: 60 of your team"
    text, html = _bodies(note)
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(listed) == 60 and listed == sorted(listed, key=str.casefold)
    assert listed[0] == ("- <b>Mallory</b> [x](https://evil.example) (mallory@example.org): "
                         "Legal & compliance track, due Wednesday 20 May 2026, 1 day late")
    assert "- Person 07 (p07@example.org): Legal & compliance track" in text
    assert html.count("<li>") == 60 and "&lt;b&gt;Mallory&lt;/b&gt;" in html
    assert "https://evil.example" not in html.replace("[x](https://evil.example)", "")  # never a link
    assert _sent_notes(engine) == {"sent": 60}
    later = at(LATE + timedelta(days=1))
    assert queue_reminders(engine, course, days_before=7, now=later).queued == 0
    assert _send(engine, smtp, mail_sink, later).sent == 0
    assert len(mail_sink.to("grace@example.org")) == 1


def test_each_manager_reads_only_about_their_own_people(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    grace = make_person("grace@example.org", department="hr", name="Grace")
    hedy = make_person("hedy@example.org", department="hr", name="Hedy")
    graces = [make_person(f"g{n}@example.org", name=f"Grace report {n}") for n in range(3)]
    hedys = [make_person(f"h{n}@example.org", name=f"Hedy report {n}") for n in range(2)]
    alone = make_person("solo@example.org", department="it", name="Solo")
    _manage(engine, grace, graces)
    _manage(engine, hedy, [*hedys, alone])
    _assign(engine, admin, course, "legal")
    _assign(engine, admin, course, "it", track="it")
    assert _queue_late(engine, course) == 6
    _send(engine, SmtpMailer(mail_sink.settings()), mail_sink, at(LATE))
    (to_grace,) = mail_sink.wait_for("grace@example.org")
    (to_hedy,) = mail_sink.wait_for("hedy@example.org")
    grace_text, _ = _bodies(to_grace)
    hedy_text, _ = _bodies(to_hedy)
    assert grace_text.count("Grace report") == 3
    assert "Hedy report" not in grace_text and "Solo" not in grace_text
    assert hedy_text.count("Hedy report") == 2 and "- Solo (solo@example.org): " in hedy_text
    assert "Grace report" not in hedy_text
    assert to_hedy["Subject"].endswith(": 3 of your team")


def _one_late(engine: Engine, make_person: MakePerson, course: Course) -> Actor:
    """Enrol Ada, whose manager is Grace, and return her once her welcome went and she is late."""
    (ada,) = _graces_team(engine, make_person, course, [("ada@example.org", "Ada Lovelace")])
    outbox.send_outbox(engine, _Flaky(0), mail=MailSettings(), now=at(START, 9), messages=built_in_messages())
    assert _queue_late(engine, course) == 1
    return ada


def test_a_single_late_person_keeps_the_note_in_its_own_words(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    _one_late(engine, make_person, course)
    _send(engine, SmtpMailer(mail_sink.settings()), mail_sink, at(LATE))
    (note,) = mail_sink.wait_for("grace@example.org")
    assert note["Subject"] == "Ada Lovelace has not yet completed Legal & compliance track"


class _Flaky:
    """A sender that refuses its first `failures` messages, then hands them to a list."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[OutgoingMail] = []

    def send(self, message: OutgoingMail) -> None:
        if self.failures:
            self.failures -= 1
            raise MailError("the mail server is down")
        self.sent.append(message)


def test_a_failed_send_keeps_every_note_for_one_retry_and_a_person_who_left_is_not_named(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    team = _graces_team(engine, make_person, course, [(f"p{n}@example.org", f"Person {n}") for n in range(4)])
    welcomes = _Flaky(0)
    _send(engine, welcomes, mail_sink, at(START, 9))
    assert _queue_late(engine, course) == 4
    flaky = _Flaky(1)
    report = _send(engine, flaky, mail_sink, at(LATE))
    assert (report.sent, report.retrying) == (0, 4) and flaky.sent == []
    assert _sent_notes(engine) == {"waiting": 4}
    with write_transaction(engine) as session:  # one of them leaves before the retry
        session.connection().execute(update(Person).where(Person.id == team[0].person_id)  # type: ignore[arg-type]
                                     .values(active=False))
    report = _send(engine, flaky, mail_sink, at(LATE) + timedelta(minutes=5))
    (note,) = flaky.sent
    assert note.recipient == "grace@example.org" and note.subject.endswith(": 3 of your team")
    assert "Person 0" not in note.text and all(f"Person {n}" in note.text for n in (1, 2, 3))
    assert (report.sent, report.failed) == (3, 1)
    assert _sent_notes(engine) == {"sent": 3, "failed": 1}


def test_a_note_about_someone_who_left_is_given_up_not_left_waiting(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    ada = _one_late(engine, make_person, course)
    with write_transaction(engine) as session:
        session.connection().execute(update(Person).where(Person.id == ada.person_id)  # type: ignore[arg-type]
                                     .values(active=False))
    sender = _Flaky(0)
    report = _send(engine, sender, mail_sink, at(LATE))
    assert sender.sent == [] and (report.sent, report.failed) == (0, 1)
    assert _sent_notes(engine) == {"failed": 1}


def test_one_person_late_with_two_assignments_is_one_of_the_team_on_two_lines(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, course: Course
) -> None:
    _graces_team(engine, make_person, course, [("ada@example.org", "Ada Lovelace")])
    second = make_person("second.admin@example.org", capabilities="admin", department="it")
    plan = Plan(TargetKind.TRACK, "it", Rule.of(emails=["ada@example.org"]), START, DUE)
    assignments.create_assignment(engine, second, course, plan, now=at(START, 9))
    assert _queue_late(engine, course) == 2
    _send(engine, SmtpMailer(mail_sink.settings()), mail_sink, at(LATE))
    (note,) = mail_sink.wait_for("grace@example.org")
    assert note["Subject"] == "Not yet completed by the due date: 1 of your team"
    text, _ = _bodies(note)
    lines = [line for line in text.splitlines() if line.startswith("- Ada Lovelace (ada@example.org): ")]
    assert len(lines) == 2 and lines[0] != lines[1]
