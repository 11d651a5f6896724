"""Privacy requests cover every table that holds personal data, and erasure leaves no trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, String, select
from sqlmodel import SQLModel

from course.domain.accounts import parse_capabilities
from course.domain.assignments import Rule, TargetKind
from course.domain.certificates import Certificate
from course.domain.permissions import Actor, Page
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
    SectionReadRecord,
    new_key,
)
from course.domain.xapi import ItemRef, XapiContext, build_section_read
from course.services import accounts, invitations, privacy, progress, roster, session_cookies
from course.services.accounts import Passwords
from course.services.permissions import PermissionDenied, check_allowed
from course.settings import MailSettings
from course.store import assignments as store_assignments
from course.store import (
    attempts,
    audit,
    certificates,
    content_history,
    drafts,
    lti,
    people,
    placement,
    reflections,
    scenario_runs,
    tables,
    xapi_outbox,
)
from course.store import reminders as store_reminders
from course.store.engine import read_session, write_transaction

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ADA = "ada@example.org"
ADDRESS = "203.0.113.77"
PASSPHRASE = "a passphrase for ada"


def fill_everything(engine: Engine, passwords: Passwords) -> int:
    """Give Ada a row in every table that can hold personal data; return her id."""
    common = {"by": None, "passwords": passwords, "passphrase": PASSPHRASE}
    accounts.add_account(engine, ADA, name="Ada", grants=parse_capabilities("learner"), **common)
    accounts.add_account(engine, "bob@example.org", name="Bob", grants=parse_capabilities("learner"), by=None)
    with read_session(engine) as session:
        ada_id = people.find_person_id(session, ADA)
    assert ada_id is not None
    roster.import_roster(
        engine,
        "email,name,manager\nbob@example.org,Bob,ada@example.org\nada@example.org,Ada,\n",
        by=None,
        dry_run=False,
    )
    accounts.sign_in(engine, ADA, "wrong passphrase", passwords=passwords, address=ADDRESS)
    signed = accounts.sign_in(engine, ADA, PASSPHRASE, passwords=passwords, address=ADDRESS)
    assert signed.actor is not None and signed.token is not None
    ada = signed.actor
    session_cookies.issue_ticket(engine, signed.token, person_id=ada_id)  # a cookie hand-over
    check_allowed(engine, ada, Page.ADMIN_AUDIT, address=ADDRESS)  # an audited denial
    progress.record_section_read(engine, ada, SectionReadRecord(new_key(), ada_id, "m", "v", 0))
    attempt = QuizAttemptRecord(
        new_key(),
        ada_id,
        "m-quiz",
        "v",
        NOW,
        NOW + timedelta(minutes=1),
        (AnswerRecord("q", "culture", (1,), True, 2.0, question_hash="0123456789abcdef"),),
        1.0,
        True,
    )
    start = ScenarioRunStartRecord(new_key(), ada_id, "s", "v", NOW)
    progress.start_scenario_run(engine, ada, start)
    step = ScenarioStepRecord(new_key(), ada_id, "s", "v", start.run_id, 1, "a", 0, "b", {"t": 1}, 1, 3.0)
    with write_transaction(engine) as session:  # what quizzing and playing store as they go
        attempts.record_quiz_attempt(session, attempt, now=NOW)
        scenario_runs.record_step(session, step, now=NOW)
        scenario_runs.finish_run(
            session, ScenarioRunFinishRecord(new_key(), ada_id, start.run_id, "b", "good", 1.0, NOW)
        )
    with write_transaction(engine) as session:  # a content version she saved, and an edit she kept
        content_history.add_revision(session, "quizzes/q.md", 1, content_history.NewRevision(
            "text", "hash", "published", ada_id, "Fixed a typo", NOW))
        content_history.put_draft(session, ada_id, content_history.StudioDraftRow(
            "quizzes/q.md", "draft", "hash", 1, NOW))
    with write_transaction(engine) as session:  # a quiz left half-answered
        draft = drafts.Draft("m-quiz", "v", new_key(), 7, {"q": drafts.DraftAnswer((1,), 2.0)}, NOW)
        drafts.start_draft(session, ada_id, draft, now=NOW)
        reflections.save_reflection(session, ada_id, quiz_id="m-quiz", question_id="r",
                                    text="What I will change: answer within the hour.", now=NOW)
        placement.record_placement(session, ada_id, [  # a pre-check answered before the path
            placement.PlacementEvidence("m-quiz", "q", "culture", "v", (1,), 1.0, NOW)])
        certificates.add_certificate(session, Certificate("C0DE", ada_id, "legal", "Legal", NOW, 0.9,
                                                          "Distinguished"))
        xapi_outbox.queue_statements(session, [build_section_read(  # a statement for the LRS
            XapiContext("https://l.example/xapi", "https://l.example", "k" * 20), key="read",
            person_id=ada_id, module=ItemRef("m", "M", "v"), section_index=0, section_title="S",
            at=NOW)], now=NOW)
    with write_transaction(engine) as session:  # an assignment that names her, made by her
        assignment_id = store_assignments.add_assignment(
            session, kind=TargetKind.TRACK, target_id="legal", title="Legal track",
            rule=Rule.of(emails=[ADA]), starts_on=NOW.date(), due_on=NOW.date(), retake_months=None,
            created_by=ada_id, now=NOW)
        store_assignments.enrol(session, assignment_id, [ada_id], now=NOW)
        store_reminders.add_opt_out(session, ada_id, "reminder-before", now=NOW)  # from a signed link
    with write_transaction(engine) as session:  # launched from an LMS, with a score on its way
        lti.link_person(session, "https://lms.example.org", "ada-sub", ada_id, now=NOW)
        line_item = lti.keep_line_item(session, issuer="https://lms.example.org", client_id="c",
                                       url="https://lms.example.org/lineitems/1", item_kind="quiz",
                                       item_id="m-quiz", now=NOW)
        lti.add_member(session, line_item, ada_id, subject="ada-sub", now=NOW)
        lti.queue_grade(session, key="1:x", line_item_id=line_item, person_id=ada_id, subject="ada-sub",
                        score=0.9, earned_at=NOW, now=NOW)
    mail = MailSettings(smtp_host="mail.invalid")
    invitations.invite_people(engine, [ADA], by=None, mail=mail, now=NOW)  # a link and its queued email
    invitations.request_reset(engine, ADA, mail=mail, address=ADDRESS, now=NOW)
    return ada_id


def test_export_covers_every_table_with_personal_data(engine: Engine, passwords: Passwords) -> None:
    fill_everything(engine, passwords)
    export = privacy.export_person(engine, ADA, by=None)
    assert export["found"] is True and export["format"] == "need-to-share/person-export/1"
    exported = export["tables"]
    assert isinstance(exported, dict)
    assert set(exported) == set(tables.PERSONAL_DATA)
    empty = [name for name, rows in exported.items() if not rows]
    assert empty == [], "fill_everything() and store/privacy.py must cover these tables"
    text = privacy.render_export(export)
    assert "passphrase_hash" not in text and "argon2" not in text
    (person,) = exported["person"]
    assert person["email"] == ADA


def test_erasure_leaves_no_trace_and_can_run_twice(engine: Engine, passwords: Passwords) -> None:
    ada_id = fill_everything(engine, passwords)
    assert privacy.erase_person(engine, ADA, by=None) is True
    assert privacy.erase_person(engine, ADA, by=None) is False
    leftovers = []
    with read_session(engine) as session:
        connection = session.connection()
        for table in SQLModel.metadata.sorted_tables:
            person_columns = [
                column
                for column in table.columns
                if any(fk.column.table.name == "person" for fk in column.foreign_keys)
                or (table.name == "person" and column.name == "id")
            ]
            for column in person_columns:
                if connection.execute(select(column).where(column == ada_id)).first():
                    leftovers.append(f"{table.name}.{column.name}")
            for column in table.columns:
                if isinstance(column.type, String):
                    for value in (ADA, ADDRESS):
                        if connection.execute(select(column).where(column.contains(value))).first():
                            leftovers.append(f"{table.name}.{column.name} holds {value}")
        bob = people.find_person(session, "bob@example.org")
    assert leftovers == []
    assert bob is not None and bob.manager_email is None
    with read_session(engine) as session:
        events = audit.list_events(session, limit=1000)
    assert [e.kind for e in events][:1] == ["person_erased"]
    assert any(e.kind == "sign_in" and e.actor == "[erased]" for e in events)


def test_only_admins_export_or_erase(engine: Engine, passwords: Passwords) -> None:
    accounts.add_account(engine, ADA, name="Ada", grants=parse_capabilities("learner"), by=None)
    with read_session(engine) as session:
        ada = people.find_person(session, ADA)
    assert ada is not None
    actor = Actor(ada.id, ada.email, ada.grants)
    with pytest.raises(PermissionDenied):
        privacy.export_person(engine, ADA, by=actor)
    with pytest.raises(PermissionDenied):
        privacy.erase_person(engine, ADA, by=actor)
    admin = accounts.add_account(
        engine, "root@example.org", name="Root", grants=parse_capabilities("admin"), by=None
    )
    root = Actor(admin.id, admin.email, admin.grants)
    with pytest.raises(ValueError, match="cannot erase yourself"):
        privacy.erase_person(engine, "root@example.org", by=root)
    assert privacy.export_person(engine, ADA, by=root)["found"] is True
