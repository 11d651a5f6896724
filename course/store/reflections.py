"""Learners' reflections: their own words, read back by them alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from course.store.tables import Reflection

#: The longest reflection kept, in characters (the column's size).
MAX_REFLECTION_CHARS = 2000


@dataclass(frozen=True, slots=True)
class SavedReflection:
    """A reflection as the learner last saved it."""

    quiz_id: str
    question_id: str
    text: str
    saved_at: datetime


def save_reflection(
    session: Session, person_id: int, *, quiz_id: str, question_id: str, text: str, now: datetime
) -> None:
    """Keep the person's reflection on this prompt, replacing the one saved before."""
    if len(text) > MAX_REFLECTION_CHARS:
        raise ValueError(f"a reflection holds at most {MAX_REFLECTION_CHARS} characters")
    session.connection().execute(delete(Reflection).where(
        col(Reflection.person_id) == person_id, col(Reflection.quiz_id) == quiz_id,
        col(Reflection.question_id) == question_id))
    session.add(Reflection(person_id=person_id, quiz_id=quiz_id, question_id=question_id, text=text,
                           saved_at=now))
    session.flush()


def list_reflections(session: Session, person_id: int, *, quiz_id: str) -> dict[str, SavedReflection]:
    """Return the person's reflections on one quiz's prompts, by question id."""
    rows = session.exec(select(Reflection).where(Reflection.person_id == person_id,
                                                 Reflection.quiz_id == quiz_id))
    return {r.question_id: SavedReflection(r.quiz_id, r.question_id, r.text, r.saved_at) for r in rows}
