"""Item analysis reads that come from the attempts themselves (scenarios: scenario_stats.py).

The counts per question come from the counters kept as attempts are written
(course/store/item_counters.py); here are the attempt-score histogram of each quiz version
(read off the index on (quiz_id, content_version, score)), when each version was first
answered, and the distinct learners of answers recorded without a wording. Every query
aggregates with GROUP BY; none returns a row per person or per answer to Python. The same SQL
runs on SQLite (3.25+) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from course.domain.item_analysis import ItemCounts
from course.store._sql import Params, as_utc
from course.store.tables import QuizAttempt


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question's aggregates in one content version of its quiz."""

    quiz_id: str
    version: str
    question_id: str
    counts: ItemCounts
    #: How many answers chose each option position (positions never chosen are left out).
    chosen: dict[int, int]
    #: The wording these answers were asked in (question_form.id): None for answers recorded
    #: without one, or for a row adding up several.
    form_id: int | None = None


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A content version of a quiz or scenario that has data: how many attempts or runs."""

    item_id: str
    version: str
    count: int


#: Attempts per score of each quiz version, highest score first: {(quiz id, version): ((score, n), ...)}.
Scores = dict[tuple[str, str], tuple[tuple[float, int], ...]]


def list_quiz_scores(session: Session) -> Scores:
    """Return how many attempts each quiz version has per score (one pass over an index)."""
    rows = session.connection().execute(
        text(
            "SELECT quiz_id, content_version, score, COUNT(*) FROM quiz_attempt "
            "GROUP BY quiz_id, content_version, score"
        )
    )
    found: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for quiz, version, score, count in rows:
        found.setdefault((str(quiz), str(version)), []).append((float(score), int(count)))
    return {key: tuple(sorted(counted, reverse=True)) for key, counted in sorted(found.items())}


def version_rows(scores: Scores) -> list[VersionRow]:
    """Return every (quiz, content version) of the scores with its number of attempts."""
    return [
        VersionRow(quiz, version, sum(n for _, n in counted)) for (quiz, version), counted in scores.items()
    ]


#: A question's answers in one quiz version and wording: (quiz id, version, question id, form id).
Cell = tuple[str, str, str, int | None]


def first_attempts(session: Session) -> dict[tuple[str, str], datetime]:
    """Return when the first recorded attempt of each quiz version was finished: {(quiz id, version): time}.

    The first recorded is the lowest id, read off the (quiz, version, score) index, which holds
    the id; only those few rows are read from the table.
    """
    quiz, version = col(QuizAttempt.quiz_id), col(QuizAttempt.content_version)
    first = select(func.min(col(QuizAttempt.id))).group_by(quiz, version).scalar_subquery()
    rows = session.connection().execute(
        select(quiz, version, col(QuizAttempt.finished_at)).where(col(QuizAttempt.id).in_(first)))
    return {(str(q), str(v)): as_utc(at) for q, v, at in rows}


def pooled_learners(
    session: Session, pools: Sequence[tuple[str, str, Sequence[tuple[str, int | None]]]]
) -> dict[tuple[str, str], int]:
    """Return how many distinct people answered each (quiz id, question id) in the cells named.

    `pools` holds (quiz id, question id, cells), a cell being (version, form id): the answers
    of that version in that wording, or (form id None) those recorded without a wording. One
    GROUP BY counts them all.
    """
    if not pools:
        return {}
    params = Params()
    questions = sorted({question for quiz, question, cells in pools})
    ids = ", ".join(params.bind(question) for question in questions)

    def cell(version: str, form: int | None) -> str:
        wording = "q.form_id IS NULL" if form is None else f"q.form_id = {params.bind(form)}"
        return f"(a.content_version = {params.bind(version)} AND {wording})"

    tests = " OR ".join(
        f"(a.quiz_id = {params.bind(quiz)} AND q.question_id = {params.bind(question)} "
        f"AND ({' OR '.join(cell(version, form) for version, form in cells)}))"
        for quiz, question, cells in pools
    )
    statement = f"""
        SELECT a.quiz_id, q.question_id, COUNT(DISTINCT a.person_id)
        FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
        WHERE q.question_id IN ({ids}) AND ({tests})
        GROUP BY a.quiz_id, q.question_id"""
    rows = session.connection().execute(params.statement(statement), params.values)
    return {(str(quiz), str(question)): int(n) for quiz, question, n in rows}
