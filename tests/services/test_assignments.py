"""Assignments: rules pick people, leaders stay in their departments, later joiners are enrolled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select

from course.content.loader import load_course
from course.domain.assignments import AssignmentError, Completion, Plan, Rule, Standing, TargetKind
from course.domain.mail import OutgoingMail
from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.permissions import Actor
from course.domain.records import SectionReadRecord
from course.services import assignments, outbox, roster
from course.services.accounts import Passwords, set_passphrase, sign_in
from course.services.permissions import PermissionDenied
from course.services.progress import record_section_read
from course.settings import BUNDLED_ROOT, MailSettings
from course.store import audit
from course.store.engine import read_session
from course.store.tables import Enrolment, MailOutbox

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
START, DUE = date(2026, 5, 1), date(2026, 6, 1)
MakePerson = Callable[..., Actor]


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    return loaded.course


def plan(rule: Rule, *, kind: TargetKind = TargetKind.TRACK, target: str = "legal") -> Plan:
    return Plan(kind, target, rule, START, DUE)


def enrolled(engine: Engine) -> set[int]:
    with read_session(engine) as session:
        return {int(r[0]) for r in session.connection().execute(select(Enrolment.person_id))}  # type: ignore[call-overload]


def welcome_mails(engine: Engine) -> int:
    with read_session(engine) as session:
        statement = select(func.count()).select_from(MailOutbox).where(MailOutbox.kind == "assigned")  # type: ignore[arg-type]
        return int(session.connection().execute(statement).scalar_one())


def test_a_rule_enrols_the_people_it_picks_and_queues_their_welcome(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    ada = make_person("ada@example.org", department="legal")
    make_person("bob@example.org", department="hr")
    carol = make_person("carol@example.org", department="hr")
    rule = Rule.of(departments=["legal"], emails=["Carol@example.org"])
    created = assignments.create_assignment(engine, admin, course, plan(rule), now=NOW)
    assert created.enrolled == 2
    assert enrolled(engine) == {ada.person_id, carol.person_id}
    assert welcome_mails(engine) == 2
    with read_session(engine) as session:
        (event,) = audit.list_events(session, kind="assignment_created")
    assert event.actor == "admin@example.org" and event.target == "track:legal"
    assert event.detail["enrolled"] == 2


def test_rules_combine_attributes_and_name_people() -> None:
    rule = Rule.of(departments=["Legal"], tracks=["LEGAL"], levels=["manager"])
    assert rule.matches(email="a@x.org", department="Legal", tracks=["legal"], level="manager")
    assert not rule.matches(email="a@x.org", department="Legal", tracks=["legal"], level="staff")
    assert not rule.matches(email="a@x.org", department="HR", tracks=["legal"], level="manager")
    assert Rule.of(emails=["a@x.org"]).matches(email="A@x.org", department="", tracks=[], level="")
    assert not Rule().matches(email="a@x.org", department="", tracks=[], level="")
    assert Rule.from_json(rule.to_json()) == rule


def test_a_bad_plan_is_refused_before_anything_is_stored(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    with pytest.raises(AssignmentError, match="at least one"):
        assignments.create_assignment(engine, admin, course, plan(Rule()), now=NOW)
    with pytest.raises(AssignmentError, match="no module"):
        assignments.create_assignment(engine, admin, course,
                                      plan(Rule.of(departments=["legal"]), kind=TargetKind.MODULE,
                                           target="no-such-module"), now=NOW)
    backwards = Plan(TargetKind.TRACK, "legal", Rule.of(departments=["legal"]), DUE, START)
    with pytest.raises(AssignmentError, match="before the start"):
        assignments.create_assignment(engine, admin, course, backwards, now=NOW)
    assert assignments.list_assignments(engine, admin, course) == []


@pytest.mark.parametrize(
    ("capabilities", "rule", "allowed"),
    [
        ("admin", Rule.of(departments=["hr"]), True),
        ("leader", Rule.of(departments=["hr"]), True),  # a leader of every department
        ("leader:legal", Rule.of(departments=["legal"]), True),
        ("leader:legal", Rule.of(departments=["legal", "hr"]), False),
        ("leader:legal", Rule.of(tracks=["legal"]), False),  # would reach every department
        ("leader:legal", Rule.of(departments=["legal"], emails=["hr@example.org"]), False),
        ("learner", Rule.of(departments=["legal"]), False),
        ("trainer", Rule.of(departments=["legal"]), False),
    ],
)
def test_who_may_assign_to_whom(engine: Engine, make_person: MakePerson, course: Course,
                                capabilities: str, rule: Rule, allowed: bool) -> None:
    actor = make_person("actor@example.org", capabilities=capabilities, department="legal")
    make_person("hr@example.org", department="hr")
    if allowed:
        assignments.create_assignment(engine, actor, course, plan(rule), now=NOW)
        assert len(assignments.list_assignments(engine, actor, course)) == 1
        return
    with pytest.raises(PermissionDenied):
        assignments.create_assignment(engine, actor, course, plan(rule), now=NOW)
    with read_session(engine) as session:
        assert audit.list_events(session, kind="action_denied")
        assert not audit.list_events(session, kind="assignment_created")


def test_a_leader_cannot_end_an_assignment_outside_their_departments(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    leader = make_person("lead@example.org", capabilities="leader:legal", department="legal")
    made = assignments.create_assignment(engine, admin, course, plan(Rule.of(departments=["hr"])), now=NOW)
    with pytest.raises(PermissionDenied):
        assignments.end_assignment(engine, leader, made.assignment_id, now=NOW)
    assert assignments.list_assignments(engine, leader, course) == []  # not in their scope
    assert assignments.end_assignment(engine, admin, made.assignment_id, now=NOW) is True
    assert assignments.end_assignment(engine, admin, made.assignment_id, now=NOW) is False
    with read_session(engine) as session:
        assert len(audit.list_events(session, kind="assignment_ended")) == 1


def test_people_who_match_later_are_enrolled_by_roster_import_and_sign_in(
    engine: Engine, make_person: MakePerson, course: Course, passwords: Passwords
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    assignments.create_assignment(engine, admin, course, plan(Rule.of(departments=["legal"])), now=NOW)
    assert enrolled(engine) == set()
    csv = ("email,name,department,tracks,manager,capabilities\n"
           "new@example.org,New Person,legal,legal,,learner\n"
           "other@example.org,Other,hr,hr,,learner\n")
    report = roster.import_roster(engine, csv, by=admin, dry_run=False, now=NOW)
    assert report.applied
    assert len(enrolled(engine)) == 1 and welcome_mails(engine) == 1
    late = make_person("late@example.org", department="legal")  # added directly, not by a roster
    set_passphrase(engine, "late@example.org", "a long enough passphrase", passwords=passwords, by=None)
    assert sign_in(engine, "late@example.org", "a long enough passphrase", passwords=passwords).ok
    assert late.person_id in enrolled(engine) and welcome_mails(engine) == 2
    assert assignments.enrol_matching(engine, now=NOW) == 0  # nobody twice


def test_the_learner_sees_due_overdue_and_done_in_that_order(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    ada = make_person("ada@example.org", department="legal")
    rule = Rule.of(departments=["legal"])
    module = path_for(course, ["legal"])[0]
    assignments.create_assignment(engine, admin, course, Plan(TargetKind.TRACK, "legal", rule, START,
                                                               date(2026, 5, 10)), now=NOW)
    assignments.create_assignment(engine, admin, course, Plan(TargetKind.MODULE, module.meta.id, rule,
                                                               START, date(2026, 7, 1)), now=NOW)
    assignments.create_assignment(engine, admin, course, Plan(TargetKind.TRACK, "legal", rule,
                                                               date(2026, 9, 1), date(2026, 10, 1)), now=NOW)
    today = date(2026, 5, 20)
    items = assignments.my_assignments(engine, ada, course, today=today)
    assert [(i.kind, i.standing) for i in items] == [(TargetKind.MODULE, Standing.DUE),
                                                    (TargetKind.TRACK, Standing.OVERDUE)]
    for section in module.sections:
        record_section_read(engine, ada, SectionReadRecord(
            key=f"read-{section.index}", person_id=ada.person_id, module_id=module.meta.id,
            content_version=module.meta.version, section_index=section.index), now=NOW)
    items = assignments.my_assignments(engine, ada, course, today=today)
    module_item = next(i for i in items if i.kind is TargetKind.MODULE)
    track_item = next(i for i in items if i.kind is TargetKind.TRACK)
    expected = Completion.DONE if module.quiz is None and module.scenario is None else Completion.IN_PROGRESS
    assert module_item.completion is expected
    assert track_item.completion is Completion.IN_PROGRESS
    summaries = assignments.list_assignments(engine, admin, course, today=today)
    track = next(s for s in summaries if s.kind is TargetKind.TRACK and s.due_on == date(2026, 5, 10))
    assert (track.enrolled, track.in_progress, track.overdue, track.done) == (1, 1, 1, 0)


def test_a_retake_moves_the_due_date_to_the_running_cycle() -> None:
    from course.domain.assignments import add_months, cycle_on
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert cycle_on(START, DUE, None, date(2027, 1, 1)).due_on == DUE
    assert cycle_on(START, DUE, 12, date(2026, 12, 31)).due_on == DUE
    assert cycle_on(START, DUE, 12, date(2027, 5, 1)).due_on == date(2027, 6, 1)


class Collected:
    """A mail sender that keeps what it is handed."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []

    def send(self, message: OutgoingMail) -> None:
        self.sent.append(message)


def test_the_welcome_email_names_the_target_and_due_date_and_goes_once(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    admin = make_person("admin@example.org", capabilities="admin", department="it")
    make_person("ada@example.org", department="legal")
    rule = Rule.of(departments=["legal"])
    assignments.create_assignment(engine, admin, course, plan(rule), now=NOW)
    ended = assignments.create_assignment(engine, admin, course, plan(rule, kind=TargetKind.MODULE,
                                          target=path_for(course, ["legal"])[0].meta.id), now=NOW)
    assignments.end_assignment(engine, admin, ended.assignment_id, now=NOW)
    sender = Collected()
    mail = MailSettings(smtp_host="mail.invalid", public_url="https://course.example.org")
    report = outbox.send_outbox(engine, sender, mail=mail, now=NOW)
    assert (report.sent, report.failed) == (1, 1)  # the ended assignment's welcome is dropped
    (message,) = sender.sent
    assert message.recipient == "ada@example.org"
    title = f"{course.info.roles['legal']} track"
    assert message.subject == f"Please complete {title} by Monday 1 June 2026"
    assert "Monday 1 June 2026" in message.text and "https://course.example.org/" in message.text
    assert outbox.send_outbox(engine, sender, mail=mail, now=NOW).sent == 0
