"""First answers counted per reporting cell, kept as they are written, for the dashboards.

Every figure a dashboard shows is a sum over reporting cells (people sharing a department, a
level and a track list; course/domain/release.py), each counted only in its release window and
only when it holds enough people. The weakest questions and the weekly trends count first
answers; reading them per person meant a join of every person's slot per question to the
release windows (most of a cold dashboard's time). Two small tables keep those counts per cell
instead, for active people only:

- `question_cell`: per cell, question and period, the people whose first answer to the
  question falls in the period, and how many of those earned full credit;
- `week_cell`: per cell, competency and week, the people with a first answer in the week, the
  first answers and those right.

They change in three places, each in the transaction of the change: an attempt changes the
first answers of its questions (`record_first_answers`, called with the differences the period
sums get, course/store/evidence_slots.py); a change of a person's department, level, tracks or
active state moves their part from one cell to another (`move_person`, from
course/store/people.py); erasing a person takes their part out (course/store/privacy.py).
Every change is an addition, so concurrent writers commit in any order: on PostgreSQL the
person's row is locked first (one writer per person) and the cells' rows are written in key
order (no deadlock between two people of the same cells); on SQLite writers are serialised.
`rebuild` computes both tables from the slots and period sums (bulk seeding, repair, tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, Integer, String, bindparam, delete, text
from sqlmodel import Session

from course.domain.evidence_periods import Totals, period_start
from course.domain.release import week_start
from course.store._sql import dialect_name, period_sql, week_sql
from course.store.tables import QuestionCell, WeekCell


@dataclass(frozen=True, slots=True)
class Cell:
    """A person's reporting cell: what the dashboards group and withhold by."""

    department: str
    level: str
    tracks: str


#: A slot's first-answer change in one period: (quiz, question, competency, period).
SlotPeriod = tuple[str, str, str, datetime]

_ADD_QUESTION = text("""
    INSERT INTO question_cell (department, level, tracks, competency, item_id, question_id,
                               period_start, first_count, first_right)
    VALUES (:department, :level, :tracks, :competency, :item_id, :question_id, :period_start,
            :first_count, :first_right)
    ON CONFLICT (department, level, tracks, competency, item_id, question_id, period_start)
    DO UPDATE SET first_count = question_cell.first_count + excluded.first_count,
                  first_right = question_cell.first_right + excluded.first_right
""").bindparams(bindparam("period_start", type_=DateTime(timezone=True)))

_ADD_WEEK = text("""
    INSERT INTO week_cell (department, level, tracks, competency, week_start, learners,
                           first_count, first_right)
    VALUES (:department, :level, :tracks, :competency, :week_start, :learners, :first_count,
            :first_right)
    ON CONFLICT (department, level, tracks, competency, week_start)
    DO UPDATE SET learners = week_cell.learners + excluded.learners,
                  first_count = week_cell.first_count + excluded.first_count,
                  first_right = week_cell.first_right + excluded.first_right
""").bindparams(bindparam("week_start", type_=DateTime(timezone=True)))

#: The person's first answers per competency and period (the period sums), for their weeks.
_PERIODS = text("""
    SELECT competency, period_start, first_count, first_right FROM evidence_period
    WHERE person_id = :person_id AND first_count > 0
""").columns(competency=String, period_start=DateTime(timezone=True), first_count=Integer,
             first_right=Integer)

#: The person's first answer to each question (the slots), for a move.
_SLOTS = text("""
    SELECT item_id, question_id, competency, first_at, first_score FROM evidence_slot
    WHERE person_id = :person_id AND kind = 'answer'
""").columns(item_id=String, question_id=String, competency=String, first_at=DateTime(timezone=True),
             first_score=Float)


def cell_of(session: Session, person_id: int, *, lock: bool = False) -> Cell | None:
    """Return the person's reporting cell, None when they are inactive (or unknown).

    `lock` (PostgreSQL) holds the person's row until the transaction ends: one writer of a
    person's evidence at a time. NO KEY UPDATE, unlike UPDATE, does not wait for the key-share
    locks that inserting their attempt (a foreign key) took.
    """
    suffix = " FOR NO KEY UPDATE" if lock and dialect_name(session) != "sqlite" else ""
    row = session.connection().execute(
        text(f"SELECT department, level, tracks, active FROM person WHERE id = :p{suffix}"), {"p": person_id}
    ).first()
    if row is None or not row[3]:
        return None
    return Cell(str(row[0]), str(row[1] or ""), str(row[2]))


def record_first_answers(
    session: Session, person_id: int, cell: Cell | None, changes: Mapping[SlotPeriod, Totals]
) -> None:
    """Add an attempt's changes of first answers, per slot and period, to the person's cell.

    Call it before the period sums get the same changes: a week's `learners` changes when the
    person's first answers in it go from none to some, or back, which the sums before and
    after tell.
    """
    firsts = {key: t for key, t in changes.items() if t.first_count or t.first_right}
    if cell is None or not firsts:
        return
    questions = [
        {**_cell_values(cell), "item_id": quiz, "question_id": question, "competency": competency,
         "period_start": period.astimezone(UTC), "first_count": t.first_count, "first_right": t.first_right}
        for (quiz, question, competency, period), t in firsts.items()
    ]
    weeks: dict[tuple[str, datetime], tuple[int, int]] = {}
    for (_, _, competency, period), t in firsts.items():
        key = (competency, _week(period))
        count, right = weeks.get(key, (0, 0))
        weeks[key] = (count + t.first_count, right + t.first_right)
    before = _week_counts(session, person_id)
    week_rows = []
    for (competency, week), (count, right) in sorted(weeks.items()):
        had = before.get((competency, week), (0, 0))[0]
        learners = int(had + count > 0) - int(had > 0)
        if learners or count or right:
            week_rows.append({**_cell_values(cell), "competency": competency, "week_start": week,
                              "learners": learners, "first_count": count, "first_right": right})
    connection = session.connection()
    connection.execute(_ADD_QUESTION, sorted(questions, key=_question_key))  # the order every writer uses
    if week_rows:
        connection.execute(_ADD_WEEK, week_rows)


def move_person(session: Session, person_id: int, *, before: Cell | None, after: Cell | None) -> None:
    """Move the person's first answers from one cell to another (None: not counted, inactive)."""
    if before == after:
        return
    questions: dict[SlotPeriod, tuple[int, int]] = {}
    for quiz, question, competency, first_at, first_score in session.connection().execute(
        _SLOTS, {"person_id": person_id}
    ):
        key = (str(quiz), str(question), str(competency), period_start(first_at))
        count, right = questions.get(key, (0, 0))
        questions[key] = (count + 1, right + int(float(first_score) >= 1))
    weeks = _week_counts(session, person_id)
    question_rows: list[dict[str, object]] = []
    week_rows: list[dict[str, object]] = []
    for cell, sign in ((before, -1), (after, 1)):
        if cell is None:
            continue
        question_rows += [
            {**_cell_values(cell), "item_id": quiz, "question_id": question, "competency": competency,
             "period_start": period, "first_count": sign * count, "first_right": sign * right}
            for (quiz, question, competency, period), (count, right) in questions.items()
        ]
        week_rows += [
            {**_cell_values(cell), "competency": competency, "week_start": week, "learners": sign,
             "first_count": sign * count, "first_right": sign * right}
            for (competency, week), (count, right) in weeks.items()
        ]
    connection = session.connection()
    if question_rows:  # in key order, as every writer of these rows goes
        connection.execute(_ADD_QUESTION, sorted(question_rows, key=_question_key))
    if week_rows:
        connection.execute(_ADD_WEEK, sorted(week_rows, key=_week_key))


def _question_key(row: Mapping[str, object]) -> tuple[str, ...]:
    return tuple(str(row[c]) for c in ("department", "level", "tracks", "competency", "item_id",
                                       "question_id", "period_start"))


def _week_key(row: Mapping[str, object]) -> tuple[str, ...]:
    return tuple(str(row[c]) for c in ("department", "level", "tracks", "competency", "week_start"))


def _week_counts(session: Session, person_id: int) -> dict[tuple[str, datetime], tuple[int, int]]:
    """Return the person's first answers and those right per competency and week (weeks with any)."""
    out: dict[tuple[str, datetime], tuple[int, int]] = {}
    for competency, period, count, right in session.connection().execute(_PERIODS, {"person_id": person_id}):
        key = (str(competency), _week(period))
        had, had_right = out.get(key, (0, 0))
        out[key] = (had + int(count), had_right + int(right))
    return out


def _week(moment: datetime) -> datetime:
    """Return the Monday 00:00 UTC of a stored time (naive times are UTC)."""
    return week_start(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _cell_values(cell: Cell) -> dict[str, str]:
    return {"department": cell.department, "level": cell.level, "tracks": cell.tracks}


def rebuild_questions_select(dialect: str) -> str:
    """Return a SELECT of every `question_cell` row, computed from the slots of active people."""
    return f"""
    SELECT p.department, p.level, p.tracks, s.competency, s.item_id, s.question_id,
           {period_sql(dialect, "s.first_at")} AS period_start, COUNT(*),
           SUM(CASE WHEN s.first_score >= 1 THEN 1 ELSE 0 END)
    FROM evidence_slot s JOIN person p ON p.id = s.person_id
    WHERE s.kind = 'answer' AND p.active = :on
    GROUP BY p.department, p.level, p.tracks, s.competency, s.item_id, s.question_id,
             {period_sql(dialect, "s.first_at")}"""


def rebuild_weeks_select(dialect: str) -> str:
    """Return a SELECT of every `week_cell` row, computed from the period sums of active people."""
    week = week_sql(dialect, "d.period_start")
    return f"""
    SELECT p.department, p.level, p.tracks, d.competency, {week} AS week_start,
           COUNT(DISTINCT d.person_id), SUM(d.first_count), SUM(d.first_right)
    FROM evidence_period d JOIN person p ON p.id = d.person_id
    WHERE d.first_count > 0 AND p.active = :on
    GROUP BY p.department, p.level, p.tracks, d.competency, {week}"""


def rebuild(session: Session) -> None:
    """Recompute both tables from the slots and period sums (which must be up to date)."""
    dialect = dialect_name(session)
    connection = session.connection()
    connection.execute(delete(QuestionCell))
    connection.execute(text(f"""
        INSERT INTO question_cell (department, level, tracks, competency, item_id, question_id,
                                   period_start, first_count, first_right)
        {rebuild_questions_select(dialect)}"""), {"on": True})
    connection.execute(delete(WeekCell))
    connection.execute(text(f"""
        INSERT INTO week_cell (department, level, tracks, competency, week_start, learners,
                               first_count, first_right)
        {rebuild_weeks_select(dialect)}"""), {"on": True})
