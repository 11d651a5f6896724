"""Quiz attempts in progress: the drawn seed and the answers so far, one per person and quiz."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from course.store._sql import insert_ignoring_conflicts
from course.store.tables import QuizDraft


@dataclass(frozen=True, slots=True)
class DraftAnswer:
    """An answer given in a draft: the options chosen and the seconds it took."""

    chosen: tuple[int, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class Draft:
    """A stored quiz attempt in progress."""

    quiz_id: str
    content_version: str
    attempt_key: str
    seed: int
    answers: dict[str, DraftAnswer]
    started_at: datetime


def _answers_json(answers: dict[str, DraftAnswer]) -> str:
    return json.dumps({q: {"chosen": list(a.chosen), "seconds": a.seconds} for q, a in answers.items()})


def _draft(row: QuizDraft) -> Draft:
    raw = json.loads(row.answers)
    answers = {
        q: DraftAnswer(tuple(int(i) for i in a["chosen"]), float(a["seconds"])) for q, a in raw.items()
    }
    return Draft(row.quiz_id, row.content_version, row.attempt_key, row.seed, answers, row.started_at)


def get_draft(session: Session, person_id: int, *, quiz_id: str, lock: bool = False) -> Draft | None:
    """Return the person's attempt in progress on this quiz, if any.

    With `lock`, the row stays locked until the transaction ends (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite's write transactions are serialised anyway), so a read-grade-write of
    the draft cannot interleave with another tab's.
    """
    statement = select(QuizDraft).where(QuizDraft.person_id == person_id, QuizDraft.quiz_id == quiz_id)
    row = session.exec(statement.with_for_update() if lock else statement).first()
    return None if row is None else _draft(row)


def start_draft(session: Session, person_id: int, draft: Draft, *, now: datetime) -> Draft:
    """Store a new draft unless one exists already; return the one that is stored.

    Two tabs opening the same quiz at once end up sharing one draft: the second insert does
    nothing (it waits for the first on PostgreSQL) and both read back the stored one.
    """
    insert_ignoring_conflicts(session, QuizDraft.__table__, {  # type: ignore[attr-defined]
        "person_id": person_id, "quiz_id": draft.quiz_id, "content_version": draft.content_version,
        "attempt_key": draft.attempt_key, "seed": draft.seed, "answers": _answers_json(draft.answers),
        "started_at": draft.started_at, "updated_at": now,
    })
    stored = get_draft(session, person_id, quiz_id=draft.quiz_id)
    assert stored is not None
    return stored


def save_answer(
    session: Session, person_id: int, *, attempt_key: str, question_id: str, answer: DraftAnswer,
    now: datetime,
) -> bool:
    """Add an answer to the draft with this key; an answer already given is kept as it was.

    Returns False when no such draft exists (it was submitted or abandoned meanwhile).
    """
    row = session.exec(
        select(QuizDraft).where(QuizDraft.person_id == person_id, QuizDraft.attempt_key == attempt_key)
    ).first()
    if row is None:
        return False
    answers = _draft(row).answers
    if question_id not in answers:
        answers[question_id] = answer
        row.answers = _answers_json(answers)
        row.updated_at = now
        session.add(row)
    return True


def delete_draft(session: Session, person_id: int, *, quiz_id: str) -> None:
    """Remove the person's draft of this quiz (after it is submitted, or to start over)."""
    session.connection().execute(
        delete(QuizDraft).where(col(QuizDraft.person_id) == person_id, col(QuizDraft.quiz_id) == quiz_id)
    )
