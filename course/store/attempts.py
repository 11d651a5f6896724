"""Quiz attempts with every answer, stored once per idempotency key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from course.domain.records import ProgressKind, QuizAttemptRecord, RecordOutcome
from course.store import evidence_slots, item_counters, question_forms
from course.store._sql import as_utc, insert_ignoring_conflicts
from course.store.progress import bump_progress
from course.store.tables import QuizAnswer, QuizAttempt


@dataclass(frozen=True, slots=True)
class AttemptSummary:
    """A stored attempt, without its answers."""

    key: str
    quiz_id: str
    content_version: str
    finished_at: datetime
    score: float
    passed: bool
    answers: int
    #: How many of the answers earned full credit.
    correct: int = 0


def record_quiz_attempt(session: Session, record: QuizAttemptRecord, *, now: datetime) -> RecordOutcome:
    """Store an attempt and its answers once; the same key again changes nothing.

    Each answer names the wording its question was asked in (question_forms.py), so that item
    statistics can pool it with other content versions without the version's text; the item
    analysis counters (item_counters.py) take the answers in the same transaction.
    """
    attempt_id = insert_ignoring_conflicts(
        session,
        QuizAttempt.__table__,  # type: ignore[attr-defined]
        {
            "key": record.key,
            "person_id": record.person_id,
            "quiz_id": record.quiz_id,
            "content_version": record.content_version,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "score": record.score,
            "passed": record.passed,
            "recorded_at": now,
        },
    )
    if attempt_id is None:
        return RecordOutcome.DUPLICATE
    if record.answers:
        forms = question_forms.get_form_ids(session, record.quiz_id, {
            a.question_id: a.question_hash for a in record.answers if a.question_hash is not None})
        chosen = [json.dumps(list(answer.chosen)) for answer in record.answers]
        session.connection().execute(
            insert(QuizAnswer.__table__),  # type: ignore[attr-defined]
            [
                {
                    "attempt_id": attempt_id,
                    "position": position,
                    "question_id": answer.question_id,
                    "competency": answer.competency,
                    "chosen": chosen[position],
                    "correct": answer.correct,
                    "seconds": answer.seconds,
                    "score": answer.credit,
                    "form_id": forms.get(answer.question_id),
                }
                for position, answer in enumerate(record.answers)
            ],
        )
        item_counters.record_attempt(
            session, person_id=record.person_id, quiz_id=record.quiz_id, version=record.content_version,
            score=record.score, answers=[
                item_counters.CountedAnswer(a.question_id, forms.get(a.question_id, 0), chosen[n],
                                            a.correct, a.seconds)
                for n, a in enumerate(record.answers)])
        evidence_slots.record_answers(
            session, record.person_id, quiz_id=record.quiz_id, at=record.finished_at,
            answers=[(a.question_id, a.competency, a.credit) for a in record.answers],
            attempt_id=int(attempt_id),
        )
    bump_progress(
        session,
        record.person_id,
        kind=ProgressKind.QUIZ,
        item_id=record.quiz_id,
        content_version=record.content_version,
        now=now,
        score=record.score,
        passed=record.passed,
    )
    return RecordOutcome.RECORDED


def list_attempts(session: Session, person_id: int, *, quiz_id: str | None = None) -> list[AttemptSummary]:
    """Return a person's attempts, oldest first (of one quiz, or of all)."""
    statement = select(QuizAttempt).where(QuizAttempt.person_id == person_id)
    if quiz_id is not None:
        statement = statement.where(QuizAttempt.quiz_id == quiz_id)
    attempts = list(session.exec(statement.order_by(col(QuizAttempt.id))))
    counts: dict[int, int] = {}
    right: dict[int, int] = {}
    ids = [attempt.id for attempt in attempts]
    answered = sa_select(col(QuizAnswer.attempt_id), col(QuizAnswer.correct)).where(
        col(QuizAnswer.attempt_id).in_(ids))
    for attempt_id, correct in session.connection().execute(answered):
        counts[int(attempt_id)] = counts.get(int(attempt_id), 0) + 1
        right[int(attempt_id)] = right.get(int(attempt_id), 0) + int(bool(correct))
    return [
        AttemptSummary(
            key=attempt.key,
            quiz_id=attempt.quiz_id,
            content_version=attempt.content_version,
            finished_at=as_utc(attempt.finished_at),
            score=attempt.score,
            passed=attempt.passed,
            answers=counts.get(attempt.id or 0, 0),
            correct=right.get(attempt.id or 0, 0),
        )
        for attempt in attempts
    ]


def seen_questions(session: Session, person_id: int, *, quiz_id: str) -> frozenset[str]:
    """Return the questions of a quiz the person answered in any stored attempt."""
    statement = (
        sa_select(col(QuizAnswer.question_id)).distinct()
        .join(QuizAttempt, col(QuizAnswer.attempt_id) == col(QuizAttempt.id))
        .where(col(QuizAttempt.person_id) == person_id, col(QuizAttempt.quiz_id) == quiz_id)
    )
    return frozenset(str(q) for (q,) in session.connection().execute(statement))


@dataclass(frozen=True, slots=True)
class AnswerEvidence:
    """One graded answer, as evidence for a competency score."""

    quiz_id: str
    question_id: str
    competency: str
    correct: bool
    answered_at: datetime
    score: float


def list_answers(session: Session, person_id: int) -> list[AnswerEvidence]:
    """Return every answer a person has submitted, oldest first."""
    statement = (
        sa_select(col(QuizAttempt.quiz_id), col(QuizAnswer.question_id), col(QuizAnswer.competency),
                  col(QuizAnswer.correct), col(QuizAttempt.finished_at), col(QuizAnswer.score))
        .join(QuizAttempt, col(QuizAnswer.attempt_id) == col(QuizAttempt.id))
        .where(col(QuizAttempt.person_id) == person_id)
        .order_by(col(QuizAttempt.id), col(QuizAnswer.position))
    )
    rows = session.connection().execute(statement)
    return [AnswerEvidence(q, qid, c, bool(ok), at, float(score)) for q, qid, c, ok, at, score in rows]
