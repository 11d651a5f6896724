"""Bulk writes for synthetic data (benchmarks, large demos): executemany straight into tables.

No idempotency or progress bookkeeping: this is for generating volumes, never for learner work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from course.store import question_forms
from course.store._sql import dialect_name
from course.store.tables import Person, QuizAnswer, QuizAttempt, ScenarioRun


def count_people(session: Session) -> int:
    """Return how many people are stored."""
    return int(session.connection().execute(select(func.count()).select_from(Person)).scalar_one())


def has_learner_work(session: Session) -> bool:
    """Return whether any quiz attempt or scenario run is stored."""
    attempt = session.connection().execute(select(QuizAttempt.id).limit(1)).first()  # type: ignore[call-overload]
    run = session.connection().execute(select(ScenarioRun.id).limit(1)).first()  # type: ignore[call-overload]
    return attempt is not None or run is not None


def insert_people(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert people (learners, with the learner capability) and return their ids in order."""
    if not rows:
        return []
    connection = session.connection()
    connection.execute(insert(Person.__table__), list(rows))  # type: ignore[attr-defined]
    emails = [r["email"] for r in rows]
    found: dict[str, int] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        result = connection.execute(select(Person.id, Person.email).where(Person.email.in_(chunk)))  # type: ignore[call-overload,attr-defined]
        found.update({email: int(person_id) for person_id, email in result})
    ids = [found[e] for e in emails]
    connection.execute(
        text(
            "INSERT INTO capability_grant (person_id, capability, departments) "
            "VALUES (:person_id, 'learner', '')"
        ),
        [{"person_id": i} for i in ids],
    )
    return ids


def refresh_statistics(session: Session) -> None:
    """Let PostgreSQL's planner see the rows just loaded (what autovacuum would do, later or never).

    Without it, queries right after a bulk load were planned as if the tables were nearly empty.
    SQLite keeps no statistics unless asked, and its plans here are chosen without them.
    """
    if dialect_name(session) == "postgresql":
        session.connection().execute(text("ANALYZE"))


def _next_id(session: Session, table: str) -> int:
    value = session.connection().execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
    return int(value) + 1


def _fix_sequence(session: Session, table: str) -> None:
    if dialect_name(session) == "postgresql":
        session.connection().execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        )


class BulkAnswer(NamedTuple):
    """An answer to insert: its attempt by 1-based position among the attempts inserted with it."""

    attempt: int
    position: int
    question_id: str
    competency: str
    #: The chosen positions as JSON.
    chosen: str
    correct: bool
    seconds: float
    #: The credit earned, 0 to 1.
    score: float
    #: The question's hash (course/domain/question_hash.py).
    question_hash: str


def insert_attempts(
    session: Session,
    attempts: Sequence[dict[str, Any]],
    answers: Sequence[BulkAnswer],
) -> None:
    """Insert attempts and their answers (BulkAnswer); an answer names its attempt by 1-based position."""
    if not attempts:
        return
    wordings: dict[str, dict[str, str]] = {}
    for answer in answers:
        wordings.setdefault(str(attempts[answer.attempt - 1]["quiz_id"]), {})[answer.question_id] = (
            answer.question_hash)
    forms = {(quiz, q): form for quiz, hashes in wordings.items()
             for q, form in question_forms.get_form_ids(session, quiz, hashes).items()}
    base = _next_id(session, "quiz_attempt") - 1
    connection = session.connection()
    connection.execute(
        insert(QuizAttempt.__table__),  # type: ignore[attr-defined]
        [{**row, "id": base + n} for n, row in enumerate(attempts, start=1)],
    )
    _fix_sequence(session, "quiz_attempt")
    rows = [
        {
            "attempt_id": base + answer.attempt,
            "position": answer.position,
            "question_id": answer.question_id,
            "competency": answer.competency,
            "chosen": answer.chosen,
            "correct": answer.correct,
            "seconds": answer.seconds,
            "score": answer.score,
            "form_id": forms[(str(attempts[answer.attempt - 1]["quiz_id"]), answer.question_id)],
        }
        for answer in answers
    ]
    for start in range(0, len(rows), 50_000):
        connection.execute(insert(QuizAnswer.__table__), rows[start : start + 50_000])  # type: ignore[attr-defined]


def insert_runs(session: Session, runs: Sequence[dict[str, Any]]) -> None:
    """Insert finished scenario runs (without steps)."""
    if runs:
        session.connection().execute(insert(ScenarioRun.__table__), list(runs))  # type: ignore[attr-defined]
