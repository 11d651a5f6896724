"""Everything held about one person: found for export, removed for erasure.

Each table listed in tables.PERSONAL_DATA is covered here; a test fills every table for one
person and checks that export shows each and that erasure leaves no trace.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlmodel import Session

from course.store import assignments, cell_evidence, item_counters
from course.store.tables import (
    AccessLink,
    Assignment,
    AuditEvent,
    AuthSession,
    CapabilityGrant,
    Certificate,
    ContentRevision,
    Enrolment,
    EvidencePeriod,
    EvidenceSlot,
    ItemLearner,
    LoginAttempt,
    LtiGradeOutbox,
    LtiLineItemMember,
    LtiPersonLink,
    MailOptOut,
    MailOutbox,
    Person,
    PlacementAnswer,
    Progress,
    QuizAnswer,
    QuizAttempt,
    QuizDraft,
    Reflection,
    ResetRequest,
    ScenarioRun,
    ScenarioStep,
    SectionRead,
    SessionTicket,
    StudioDraft,
    XapiOutbox,
)

#: What replaces a person's email in audit entries kept after erasure.
ERASED = "[erased]"
#: Columns never exported: secrets, and hashes that only serve to check them.
_SECRET_COLUMNS = {
    ("person", "passphrase_hash"),
    ("auth_session", "id"),
    ("session_ticket", "id"),
    ("session_ticket", "session_id"),
    ("session_ticket", "device"),
    ("access_link", "token_hash"),
}


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _rows(session: Session, table: Table, condition: Any) -> list[dict[str, object]]:
    result = session.connection().execute(select(table).where(condition).order_by(*table.primary_key))
    return [
        {
            key: _plain(value)
            for key, value in row._mapping.items()
            if (table.name, key) not in _SECRET_COLUMNS
        }
        for row in result
    ]


def export_rows(session: Session, person_id: int, *, email: str) -> dict[str, list[dict[str, object]]]:
    """Return every row about the person, by table name."""
    person, grant, auth = _table(Person), _table(CapabilityGrant), _table(AuthSession)
    attempt, answer = _table(QuizAttempt), _table(QuizAnswer)
    run, step = _table(ScenarioRun), _table(ScenarioStep)
    event, assignment = _table(AuditEvent), _table(Assignment)
    attempt_ids = select(attempt.c.id).where(attempt.c.person_id == person_id)
    run_ids = select(run.c.id).where(run.c.person_id == person_id)
    return {
        "person": _rows(session, person, person.c.id == person_id),
        "capability_grant": _rows(session, grant, grant.c.person_id == person_id),
        "auth_session": _rows(session, auth, auth.c.person_id == person_id),
        "session_ticket": _rows(
            session, _table(SessionTicket), _table(SessionTicket).c.person_id == person_id
        ),
        "login_attempt": _rows(session, _table(LoginAttempt), _table(LoginAttempt).c.account == email),
        "section_read": _rows(session, _table(SectionRead), _table(SectionRead).c.person_id == person_id),
        "progress": _rows(session, _table(Progress), _table(Progress).c.person_id == person_id),
        "quiz_attempt": _rows(session, attempt, attempt.c.person_id == person_id),
        "quiz_answer": _rows(session, answer, answer.c.attempt_id.in_(attempt_ids)),
        "evidence_slot": _rows(session, _table(EvidenceSlot), _table(EvidenceSlot).c.person_id == person_id),
        "evidence_period": _rows(session, _table(EvidencePeriod),
                                 _table(EvidencePeriod).c.person_id == person_id),
        "item_learner": _rows(session, _table(ItemLearner), _table(ItemLearner).c.person_id == person_id),
        "scenario_run": _rows(session, run, run.c.person_id == person_id),
        "scenario_step": _rows(session, step, step.c.run_id.in_(run_ids)),
        "quiz_draft": _rows(session, _table(QuizDraft), _table(QuizDraft).c.person_id == person_id),
        "reflection": _rows(session, _table(Reflection), _table(Reflection).c.person_id == person_id),
        "placement_answer": _rows(session, _table(PlacementAnswer),
                                  _table(PlacementAnswer).c.person_id == person_id),
        "audit_event": _rows(session, event, _about(event, person_id, email)),
        "access_link": _rows(session, _table(AccessLink), _table(AccessLink).c.person_id == person_id),
        "mail_outbox": _rows(session, _table(MailOutbox), _table(MailOutbox).c.person_id == person_id),
        "xapi_outbox": _rows(session, _table(XapiOutbox), _table(XapiOutbox).c.person_id == person_id),
        "reset_request": _rows(session, _table(ResetRequest), _table(ResetRequest).c.account == email),
        "certificate": _rows(session, _table(Certificate), _table(Certificate).c.person_id == person_id),
        "enrolment": _rows(session, _table(Enrolment), _table(Enrolment).c.person_id == person_id),
        "mail_opt_out": _rows(session, _table(MailOptOut), _table(MailOptOut).c.person_id == person_id),
        "assignment": _rows(session, assignment, or_(assignment.c.created_by == person_id,
                                                     assignment.c.rule.contains(f'"{email}"'))),
        **_lti_rows(session, person_id),
    }


def _lti_rows(session: Session, person_id: int) -> dict[str, list[dict[str, object]]]:
    link, member, grade = _table(LtiPersonLink), _table(LtiLineItemMember), _table(LtiGradeOutbox)
    return {
        "lti_person_link": _rows(session, link, link.c.person_id == person_id),
        "lti_line_item_member": _rows(session, member, member.c.person_id == person_id),
        "lti_grade_outbox": _rows(session, grade, grade.c.person_id == person_id),
        "content_revision": _rows(session, _table(ContentRevision),
                                  _table(ContentRevision).c.author_id == person_id),
        "studio_draft": _rows(session, _table(StudioDraft), _table(StudioDraft).c.person_id == person_id),
    }


def _about(event: Table, person_id: int | None, email: str) -> Any:
    conditions = [event.c.actor_label == email, event.c.subject_label == email]
    if person_id is not None:
        conditions += [event.c.actor_id == person_id, event.c.subject_id == person_id]
    return or_(*conditions)


def erase_rows(session: Session, person_id: int | None, *, email: str) -> None:
    """Remove everything about the person; audit entries stay, with the person made anonymous.

    Rows that belong to the person go with their row (ON DELETE CASCADE); the people they
    managed lose their manager (ON DELETE SET NULL). Running it again finds nothing to remove.
    """
    event = _table(AuditEvent)
    connection = session.connection()
    # Addresses first: the labels and ids that find these entries are cleared next.
    connection.execute(update(event).where(_about(event, person_id, email)).values(address=""))
    for column in ("actor", "subject"):
        label = event.c[f"{column}_label"]
        ident = event.c[f"{column}_id"]
        mine = label == email if person_id is None else or_(label == email, ident == person_id)
        connection.execute(update(event).where(mine).values({label.name: ERASED, ident.name: None}))
    assignments.forget_email(session, email)
    connection.execute(delete(_table(LoginAttempt)).where(_table(LoginAttempt).c.account == email))
    connection.execute(delete(_table(ResetRequest)).where(_table(ResetRequest).c.account == email))
    if person_id is not None:
        # A note to the person's manager about them is the manager's row: remove it by its key.
        outbox = _table(MailOutbox)
        connection.execute(delete(outbox).where(outbox.c.key.like(f"overdue-manager:%:{person_id}:%")))
        item_counters.forget_person(session, person_id)  # the counters hold their answers, unnamed
        # The dashboards' counts per reporting cell lose the person's part (no row of theirs holds it).
        before = cell_evidence.cell_of(session, person_id, lock=True)
        cell_evidence.move_person(session, person_id, before=before, after=None)
        connection.execute(delete(_table(Person)).where(_table(Person).c.id == person_id))
