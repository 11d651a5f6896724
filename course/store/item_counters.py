"""Item analysis counters, kept up to date in the transaction that stores each attempt.

Item analysis used to read every answer (a GROUP BY over quiz_answer, the cost of a full
sort); it now reads these tables, whose size grows with questions and scores, not answers:

- item_score_count: per quiz, version, question, wording (form_id, 0 for none) and attempt
  score, the answers, right answers and seconds. With the attempt-score histogram
  (item_stats.list_quiz_scores) they give every sum the statistics need: Σx, Σy, Σy², Σxy for
  the item-rest correlation (y is the score of the row), and the upper and lower groups by
  score (course/domain/item_analysis.py group_weights: ties at a group's edge are shared in
  proportion, where ranking single attempts would cut them by id);
- item_choice_count: per quiz, version, question and wording, how many answers gave each
  stored answer: option choices and the positions of ordering and matching answers;
- item_learner and item_form_learners: who answered each wording, and how many people that is.

Writes add to the counters with upserts (INSERT ... ON CONFLICT DO UPDATE SET n = n + new), so
two writers never lose each other's counts; each writer touches its rows in key order, so on
PostgreSQL two of them wait for each other rather than deadlock. A person's erasure subtracts
their answers (forget_person); `rebuild` recomputes everything from the answers (after a bulk
load or a repair), as the migration that added the tables filled them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from course.domain.item_analysis import ItemCounts, group_weights
from course.store._sql import dialect_name
from course.store.item_stats import Cell, QuestionRow, Scores
from course.store.tables import ItemChoiceCount, ItemFormLearners, ItemLearner, ItemScoreCount


class CountedAnswer(NamedTuple):
    """One answer as the counters see it."""

    question_id: str
    #: Its wording (question_form.id), 0 when it has none.
    form_id: int
    #: The answer as quiz_answer stores it (JSON positions).
    chosen: str
    correct: bool
    seconds: float


class _ScoreCount(NamedTuple):
    """An item_score_count row's counts: the answers from attempts of one score."""

    score: float
    answers: int
    correct: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Counted:
    """Item analysis counters of some quiz versions, one row per question, version and wording."""

    #: form_id None: answers recorded without a wording; their learners are not counted here.
    rows: list[QuestionRow]
    #: How many answers gave each stored answer, per row.
    patterns: dict[Cell, dict[str, int]]
    #: Distinct people who answered each wording, over every version.
    form_learners: dict[int, int]


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


_KEYS = {
    "item_score_count": ("quiz_id", "content_version", "question_id", "form_id", "score"),
    "item_choice_count": ("quiz_id", "content_version", "question_id", "form_id", "chosen"),
    "item_form_learners": ("form_id",),
}


@functools.cache
def _adding(dialect: str, table: Table) -> Any:
    """Return an insert that adds its counts to the row of the same key when there is one."""
    insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    keys = _KEYS[table.name]
    counts = {c.name: table.c[c.name] + insert.excluded[c.name] for c in table.columns if c.name not in keys}
    return insert.on_conflict_do_update(index_elements=list(keys), set_=counts)


@functools.cache
def _joining(dialect: str) -> Any:
    """Return an insert of item_learner rows that skips the people already counted, returning the new."""
    table = _table(ItemLearner)
    insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    return insert.on_conflict_do_nothing().returning(table.c.form_id)


def _add(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        keys = _KEYS[table.name]
        rows.sort(key=lambda row: tuple(row[k] for k in keys))  # one lock order for every writer
        session.connection().execute(_adding(dialect_name(session), table), rows)


def record_attempt(
    session: Session, *, person_id: int, quiz_id: str, version: str, score: float,
    answers: Sequence[CountedAnswer],
) -> None:
    """Add one attempt's answers to the counters (in the transaction that stores the attempt)."""
    if not answers:
        return
    cell = {"quiz_id": quiz_id, "content_version": version}
    _add(session, _table(ItemScoreCount), [
        {**cell, "question_id": a.question_id, "form_id": a.form_id, "score": score, "answers": 1,
         "correct": int(a.correct), "seconds": a.seconds} for a in answers])
    _add(session, _table(ItemChoiceCount), [
        {**cell, "question_id": a.question_id, "form_id": a.form_id, "chosen": a.chosen, "answers": 1}
        for a in answers])
    forms = sorted({a.form_id for a in answers if a.form_id})
    if forms:
        statement = _joining(dialect_name(session)).values(
            [{"form_id": form, "person_id": person_id} for form in forms])
        new = [int(form) for (form,) in session.connection().execute(statement)]
        _add(session, _table(ItemFormLearners), [{"form_id": form, "learners": 1} for form in new])


#: Each counter table filled from the stored answers: the SELECT giving its rows.
_FROM_ANSWERS = {
    "item_score_count": """
        SELECT a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), a.score,
               COUNT(*), SUM(CASE WHEN q.correct THEN 1 ELSE 0 END), SUM(q.seconds)
        FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id {where}
        GROUP BY a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), a.score""",
    "item_choice_count": """
        SELECT a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), q.chosen, COUNT(*)
        FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id {where}
        GROUP BY a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), q.chosen""",
}
_COLUMNS = {
    "item_score_count": "quiz_id, content_version, question_id, form_id, score, answers, correct, seconds",
    "item_choice_count": "quiz_id, content_version, question_id, form_id, chosen, answers",
}


def rebuild(session: Session) -> None:
    """Recompute every counter from the stored answers (after a bulk load or a repair)."""
    connection = session.connection()
    for table in ("item_score_count", "item_choice_count", "item_learner", "item_form_learners"):
        connection.execute(text(f"DELETE FROM {table}"))
    for table, select in _FROM_ANSWERS.items():
        connection.execute(text(f"INSERT INTO {table} ({_COLUMNS[table]}) {select.format(where='')}"))
    connection.execute(text(
        "INSERT INTO item_learner (form_id, person_id) SELECT DISTINCT q.form_id, a.person_id "
        "FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id WHERE q.form_id IS NOT NULL"))
    connection.execute(text(
        "INSERT INTO item_form_learners (form_id, learners) "
        "SELECT form_id, COUNT(*) FROM item_learner GROUP BY form_id"))


def forget_person(session: Session, person_id: int) -> None:
    """Take a person's answers out of the counters, before their rows are erased."""
    connection = session.connection()
    where = "WHERE a.person_id = :person"
    for table, select in _FROM_ANSWERS.items():
        keys = _KEYS[table]
        names = _COLUMNS[table].split(", ")
        counts = names[len(keys):]
        mine = connection.execute(text(select.format(where=where)), {"person": person_id}).all()
        rows = [dict(zip(names, row, strict=True)) for row in mine]
        for row in rows:
            for name in counts:
                row[name] = -row[name]
        _add(session, _table(ItemScoreCount if table == "item_score_count" else ItemChoiceCount), rows)
        connection.execute(text(f"DELETE FROM {table} WHERE answers <= 0"))
    forms = connection.execute(text("SELECT form_id FROM item_learner WHERE person_id = :person ORDER BY 1"),
                               {"person": person_id}).all()
    _add(session, _table(ItemFormLearners), [{"form_id": int(form), "learners": -1} for (form,) in forms])
    connection.execute(text("DELETE FROM item_learner WHERE person_id = :person"), {"person": person_id})
    connection.execute(text("DELETE FROM item_form_learners WHERE learners <= 0"))


def read_counts(session: Session, pairs: Sequence[tuple[str, str]], *, scores: Scores) -> Counted:
    """Return the counters of the quiz versions in `pairs`, as rows ready for item analysis.

    `scores` is the attempt-score histogram of each version (item_stats.list_quiz_scores): it
    gives the upper and lower groups and the attempts per version (for m, the questions an
    attempt holds: the version's answers over its attempts). The tables are read whole, through
    the driver: they hold a few rows per question and score, and the versions not asked for are
    dropped here.
    """
    wanted = set(pairs)
    connection = session.connection()
    cells: dict[Cell, list[_ScoreCount]] = {}
    for quiz, version, question, form, score, n, right, seconds in connection.exec_driver_sql(
            f"SELECT {_COLUMNS['item_score_count']} FROM item_score_count").fetchall():
        if (quiz, version) in wanted:
            cells.setdefault((quiz, version, question, form or None), []).append(
                _ScoreCount(score, n, right, seconds))
    patterns: dict[Cell, dict[str, int]] = {}
    for quiz, version, question, form, chosen, n in connection.exec_driver_sql(
            f"SELECT {_COLUMNS['item_choice_count']} FROM item_choice_count").fetchall():
        if (quiz, version) in wanted:
            patterns.setdefault((quiz, version, question, form or None), {})[chosen] = n
    forms = {key[3] for key in cells if key[3] is not None}
    learners: dict[int, int] = dict(connection.exec_driver_sql(
        "SELECT form_id, learners FROM item_form_learners").fetchall()) if forms else {}
    return Counted(_rows(cells, patterns, scores), patterns, {f: int(learners.get(f, 0)) for f in forms})


def _rows(
    cells: dict[Cell, list[_ScoreCount]],
    patterns: dict[Cell, dict[str, int]],
    scores: Scores,
) -> list[QuestionRow]:
    """Return a QuestionRow per cell: its sums, its group counts from the score histogram, its choices."""
    answers: dict[tuple[str, str], int] = {}
    for (quiz, version, *_), counted in cells.items():
        answers[(quiz, version)] = answers.get((quiz, version), 0) + sum(c.answers for c in counted)
    weights = {key: group_weights(scores.get(key, ())) for key in answers}
    attempts = {key: sum(n for _, n in scores.get(key, ())) for key in answers}
    rows = []
    for cell, counted in sorted(cells.items(), key=lambda item: (item[0][:3], item[0][3] or 0)):
        quiz, version, question, form = cell
        shares = weights[(quiz, version)]
        n_all = ok_all = 0
        seconds = up_n = up_ok = low_n = low_ok = y = y2 = xy = 0.0
        for score, n, ok, spent in counted:
            up, low = shares.get(score, (0.0, 0.0))
            n_all, ok_all, seconds = n_all + n, ok_all + ok, seconds + spent
            up_n, up_ok, low_n, low_ok = up_n + up * n, up_ok + up * ok, low_n + low * n, low_ok + low * ok
            y, y2, xy = y + score * n, y2 + score * score * n, xy + score * ok
        tried = attempts[(quiz, version)]
        counts = ItemCounts(
            answers=n_all, learners=0, correct=ok_all, seconds=seconds,
            upper_answers=up_n, upper_correct=up_ok, lower_answers=low_n, lower_correct=low_ok,
            score_sum=y, score_squares=y2, correct_score_sum=xy,
            questions_per_attempt=answers[(quiz, version)] / tried if tried else 0.0,
        )
        rows.append(QuestionRow(quiz, version, question, counts, _chosen(patterns.get(cell, {})), form))
    return rows


def _chosen(patterns: dict[str, int]) -> dict[int, int]:
    """Return how many answers chose each position, from the counts of each stored answer."""
    found: dict[int, int] = {}
    for pattern, n in patterns.items():
        for position in _positions(pattern):
            found[position] = found.get(position, 0) + n
    return found


@functools.lru_cache(maxsize=4096)
def _positions(pattern: str) -> frozenset[int]:
    """Return the distinct positions of a stored answer (JSON list); none when it is not one."""
    try:
        positions = json.loads(pattern)
    except ValueError:
        return frozenset()
    if not isinstance(positions, list):
        return frozenset()
    return frozenset(p for p in positions if isinstance(p, int) and not isinstance(p, bool))
