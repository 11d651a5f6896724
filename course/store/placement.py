"""Placement pre-check answers: what a learner knew before their path started."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from course.store.tables import PlacementAnswer


@dataclass(frozen=True, slots=True)
class PlacementEvidence:
    """One placement answer: which question, of which competency, and the credit it earned."""

    quiz_id: str
    question_id: str
    competency: str
    quiz_version: str
    chosen: tuple[int, ...]
    score: float
    answered_at: datetime


def record_placement(session: Session, person_id: int, answers: Iterable[PlacementEvidence]) -> int:
    """Store a person's placement answers; return how many were stored."""
    rows = [PlacementAnswer(person_id=person_id, quiz_id=a.quiz_id, question_id=a.question_id,
                            competency=a.competency, quiz_version=a.quiz_version,
                            chosen=json.dumps(list(a.chosen)), score=a.score, answered_at=a.answered_at)
            for a in answers]
    session.add_all(rows)
    session.flush()
    return len(rows)


def list_placement(session: Session, person_id: int) -> list[PlacementEvidence]:
    """Return the person's placement answers, in the order they were stored."""
    rows = session.exec(select(PlacementAnswer).where(PlacementAnswer.person_id == person_id)
                        .order_by(PlacementAnswer.id))  # type: ignore[arg-type]
    return [PlacementEvidence(r.quiz_id, r.question_id, r.competency, r.quiz_version,
                              tuple(json.loads(r.chosen)), r.score, r.answered_at) for r in rows]
