"""Assignments and enrolments: the rows, and the few bulk statements that enrol many people at once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlmodel import Session

from course.domain.assignments import DatedWork, Rule, TargetKind
from course.store._sql import as_utc
from course.store.tables import Assignment, Enrolment, MailOutbox, Person, Progress, QuizAttempt, ScenarioRun


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


#: Up to this many people, enrolment checks only them; beyond, it reads the whole assignment once.
_FEW = 500


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """One stored assignment."""

    id: int
    kind: TargetKind
    target_id: str
    title: str
    rule: Rule
    starts_on: date
    due_on: date
    retake_months: int | None
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person's roster attributes, as a rule reads them."""

    id: int
    email: str
    name: str
    department: str
    tracks: tuple[str, ...]
    level: str

    def matched_by(self, rule: Rule) -> bool:
        """Tell whether the rule picks this person."""
        return rule.matches(email=self.email, department=self.department, tracks=self.tracks,
                            level=self.level)


def _row(r: Any) -> AssignmentRow:
    return AssignmentRow(int(r.id), TargetKind(r.target_kind), r.target_id, r.title,
                         Rule.from_json(json.loads(r.rule)), r.starts_on, r.due_on, r.retake_months,
                         r.created_at, r.ended_at)


def add_assignment(session: Session, *, kind: TargetKind, target_id: str, title: str, rule: Rule,
                   starts_on: date, due_on: date, retake_months: int | None, created_by: int | None,
                   now: datetime) -> int:
    """Store a new assignment and return its id."""
    table = _table(Assignment)
    result = session.connection().execute(
        insert(table).returning(table.c.id),
        {"target_kind": kind.value, "target_id": target_id, "title": title[:200],
         "rule": json.dumps(rule.to_json(), sort_keys=True), "starts_on": starts_on, "due_on": due_on,
         "retake_months": retake_months, "created_by": created_by, "created_at": now, "ended_at": None},
    )
    return int(result.scalar_one())


def get_assignment(session: Session, assignment_id: int) -> AssignmentRow | None:
    """Return the assignment, if it exists."""
    table = _table(Assignment)
    row = session.connection().execute(select(table).where(table.c.id == assignment_id)).first()
    return None if row is None else _row(row)


def list_assignments(session: Session, *, running_only: bool = False) -> list[AssignmentRow]:
    """Return the assignments, newest first (only those not ended, if asked)."""
    table = _table(Assignment)
    statement = select(table).order_by(table.c.id.desc())
    if running_only:
        statement = statement.where(table.c.ended_at.is_(None))
    return [_row(r) for r in session.connection().execute(statement)]


def end_assignment(session: Session, assignment_id: int, *, now: datetime) -> bool:
    """Mark the assignment ended; False when it was already ended or does not exist."""
    table = _table(Assignment)
    result = session.connection().execute(
        update(table).where(table.c.id == assignment_id, table.c.ended_at.is_(None)).values(ended_at=now)
    )
    return bool(result.rowcount)


def candidates(session: Session, rule: Rule, *, person_id: int | None = None) -> list[Candidate]:
    """Return the active people the rule picks (all of them, or only this person)."""
    person = _table(Person)
    statement = select(person.c.id, person.c.email, person.c.name, person.c.department,
                       person.c.tracks, person.c.level).where(person.c.active.is_(True))
    if person_id is not None:
        statement = statement.where(person.c.id == person_id)
    elif not rule.emails and rule.departments:  # narrow in SQL; the rule decides in Python
        statement = statement.where(person.c.department.in_(sorted(rule.departments)))
    found = (Candidate(int(r[0]), r[1], r[2], r[3], tuple(t for t in r[4].split(";") if t), r[5])
             for r in session.connection().execute(statement))
    return [c for c in found if c.matched_by(rule)]


def enrolled_ids(session: Session, assignment_id: int, *, among: Sequence[int] | None = None) -> set[int]:
    """Return the ids of the people enrolled in the assignment (only of `among`, when given).

    A few people are looked up by id; many are read with the whole assignment, in one go.
    """
    table = _table(Enrolment)
    statement = select(table.c.person_id).where(table.c.assignment_id == assignment_id)
    if among is not None and len(among) <= _FEW:
        statement = statement.where(table.c.person_id.in_(list(among)))
    found = {int(r[0]) for r in session.connection().execute(statement)}
    return found if among is None else found & set(among)


def enrol(session: Session, assignment_id: int, person_ids: Sequence[int], *, now: datetime) -> list[int]:
    """Enrol the people not enrolled yet, in one bulk insert; return the ids newly enrolled."""
    known = enrolled_ids(session, assignment_id, among=person_ids)
    new = [pid for pid in dict.fromkeys(person_ids) if pid not in known]
    if new:
        session.connection().execute(
            insert(_table(Enrolment)),
            [{"assignment_id": assignment_id, "person_id": pid, "enrolled_at": now} for pid in new],
        )
    return new


def queue_welcome_mail(session: Session, assignment_id: int, people: Sequence[Candidate], *,
                       now: datetime) -> None:
    """Queue one welcome email per person in the mail outbox (sent by the mail job)."""
    if people:
        session.connection().execute(insert(_table(MailOutbox)), [
            {"key": f"assigned:{assignment_id}:{p.id}", "kind": "assigned", "person_id": p.id,
             "link_id": None, "recipient": p.email, "created_at": now, "next_attempt_at": now,
             "attempts": 0, "sent_at": None, "failed_at": None, "last_error": ""}
            for p in people
        ])


def person_assignments(session: Session, person_id: int) -> list[AssignmentRow]:
    """Return the running assignments the person is enrolled in, soonest due first."""
    table, enrolment = _table(Assignment), _table(Enrolment)
    statement = (select(table).join(enrolment, enrolment.c.assignment_id == table.c.id)
                 .where(enrolment.c.person_id == person_id, table.c.ended_at.is_(None))
                 .order_by(table.c.due_on, table.c.id))
    return [_row(r) for r in session.connection().execute(statement)]


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One progress counter of an enrolled person."""

    person_id: int
    kind: str
    item_id: str
    events: int
    passed: bool


def all_enrolments(session: Session) -> dict[int, set[int]]:
    """Return the people enrolled in each assignment, by assignment id (one query for all)."""
    table = _table(Enrolment)
    found: dict[int, set[int]] = {}
    for assignment_id, person_id in session.connection().execute(select(table.c.assignment_id,
                                                                         table.c.person_id)):
        found.setdefault(int(assignment_id), set()).add(int(person_id))
    return found


def enrolled_progress(session: Session) -> list[ProgressRow]:
    """Return every progress counter of the people enrolled in any assignment (one query)."""
    progress, enrolment = _table(Progress), _table(Enrolment)
    enrolled = select(enrolment.c.person_id).distinct().scalar_subquery()
    statement = select(progress.c.person_id, progress.c.kind, progress.c.item_id, progress.c.events,
                       progress.c.passed).where(progress.c.person_id.in_(enrolled))
    return [ProgressRow(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]))
            for r in session.connection().execute(statement)]


def person_progress(session: Session, person_id: int) -> list[ProgressRow]:
    """Return every progress counter of one person."""
    progress = _table(Progress)
    statement = select(progress.c.person_id, progress.c.kind, progress.c.item_id, progress.c.events,
                       progress.c.passed).where(progress.c.person_id == person_id)
    return [ProgressRow(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]))
            for r in session.connection().execute(statement)]


@dataclass(frozen=True, slots=True)
class Report:
    """Someone who names a manager on the roster."""

    id: int
    name: str
    email: str


def reports_of(session: Session, manager_id: int) -> list[Report]:
    """Return the active people whose roster manager is this person, by name."""
    person = _table(Person)
    statement = (select(person.c.id, person.c.name, person.c.email)
                 .where(person.c.manager_id == manager_id, person.c.active.is_(True))
                 .order_by(person.c.name, person.c.email))
    return [Report(int(r[0]), r[1], r[2]) for r in session.connection().execute(statement)]


def assignments_of(session: Session, person_ids: Sequence[int]) -> dict[int, list[AssignmentRow]]:
    """Return the running assignments each of these people is enrolled in (one statement)."""
    if not person_ids:
        return {}
    table, enrolment = _table(Assignment), _table(Enrolment)
    statement = (select(enrolment.c.person_id, table).join(enrolment, enrolment.c.assignment_id == table.c.id)
                 .where(enrolment.c.person_id.in_(list(person_ids)), table.c.ended_at.is_(None))
                 .order_by(table.c.due_on, table.c.id))
    found: dict[int, list[AssignmentRow]] = {}
    for r in session.connection().execute(statement):
        found.setdefault(int(r[0]), []).append(_row(r))
    return found


def progress_of(session: Session, person_ids: Sequence[int]) -> list[ProgressRow]:
    """Return every progress counter of these people (one statement)."""
    progress = _table(Progress)
    statement = select(progress.c.person_id, progress.c.kind, progress.c.item_id, progress.c.events,
                       progress.c.passed).where(progress.c.person_id.in_(list(person_ids)))
    return [ProgressRow(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]))
            for r in session.connection().execute(statement)]


def dated_work(session: Session, person_ids: Sequence[int], *, since: datetime) -> dict[int, list[DatedWork]]:
    """Return the quiz attempts and finished scenario runs of these people since a moment, by person.

    Two statements, whatever the number of people; only re-take cycles need these dated rows.
    """
    if not person_ids:
        return {}
    ids = sorted(set(person_ids))
    attempt, run = _table(QuizAttempt), _table(ScenarioRun)
    found: dict[int, list[DatedWork]] = {}
    quizzes = select(attempt.c.person_id, attempt.c.quiz_id, attempt.c.finished_at, attempt.c.passed,
                     attempt.c.score).where(attempt.c.finished_at >= since)
    runs = select(run.c.person_id, run.c.scenario_id, run.c.finished_at, run.c.score).where(
        run.c.finished_at.is_not(None), run.c.finished_at >= since)
    if len(ids) <= _FEW:  # a few people by id; many are filtered here instead of in a huge IN list
        quizzes = quizzes.where(attempt.c.person_id.in_(ids))
        runs = runs.where(run.c.person_id.in_(ids))
    wanted = set(ids)
    for pid, item, at, passed, score in session.connection().execute(quizzes):
        if pid in wanted:
            found.setdefault(int(pid), []).append(DatedWork("quiz", item, as_utc(at), bool(passed), score))
    for pid, item, at, score in session.connection().execute(runs):
        if pid in wanted:
            found.setdefault(int(pid), []).append(DatedWork("scenario", item, as_utc(at), True, score))
    return found


def forget_email(session: Session, email: str) -> int:
    """Remove an erased person's email from every rule that names them; return how many rules changed."""
    table = _table(Assignment)
    rows = session.connection().execute(
        select(table.c.id, table.c.rule).where(table.c.rule.contains(f'"{email}"'))).all()
    for row_id, text in rows:
        rule = Rule.from_json(json.loads(text))
        kept = Rule(rule.departments, rule.tracks, rule.levels, rule.emails - {email.casefold()})
        session.connection().execute(update(table).where(table.c.id == row_id)
                                     .values(rule=json.dumps(kept.to_json(), sort_keys=True)))
    return len(rows)
