"""Each person's first and latest evidence per question and per scenario, kept as it is written.

The literacy score rests on the first answer to each question and the first finished run of
each scenario; the latest ones are shown as "after practice". Ranking every answer for every
dashboard costs a sort of all answers, so one row per person and question (or scenario) keeps
both, updated in the same transaction as the attempt or run it comes from.

The update is an upsert whose new values are the minimum (first) and maximum (latest) by time,
so the order in which concurrent transactions commit does not matter: on PostgreSQL a second
writer of the same row waits for the first and then applies its own evidence to the committed
row; on SQLite writers are serialised. Equal times keep the row written first as the first and
the row written last as the latest, as the dashboards' ordering by (time, id) does.
`rebuild` computes the whole table from the stored answers and runs (the migration's backfill,
bulk seeding, and the check that the two agree).

Beside the slots, `evidence_period` sums each person's answer evidence per competency and
period (part of a week; see course/domain/evidence_periods.py), for the dashboards. An attempt
changes those sums by the difference its answers make to their questions' contributions,
worked out from the person's stored answers to the quiz, so answers arriving out of order
(an offline sync) are exact too. On PostgreSQL the person's row is locked first, so a second
transaction for the same person waits and then reads the answers the first one committed;
on SQLite writers are serialised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, Integer, String, bindparam, text
from sqlmodel import Session

from course.domain.evidence_periods import Answer, Totals, contributions, difference
from course.store import cell_evidence
from course.store._sql import dialect_name, period_sql

#: The kinds of evidence a slot holds.
ANSWER, RUN = "answer", "run"

_UPSERT = text("""
    INSERT INTO evidence_slot (person_id, kind, item_id, question_id, competency,
                               first_score, first_at, latest_score, latest_at, answers)
    VALUES (:person_id, :kind, :item_id, :question_id, :competency, :score, :at, :score, :at, 1)
    ON CONFLICT (person_id, kind, item_id, question_id, competency) DO UPDATE SET
        first_score = CASE WHEN excluded.first_at < evidence_slot.first_at
                           THEN excluded.first_score ELSE evidence_slot.first_score END,
        first_at = CASE WHEN excluded.first_at < evidence_slot.first_at
                        THEN excluded.first_at ELSE evidence_slot.first_at END,
        latest_score = CASE WHEN excluded.latest_at >= evidence_slot.latest_at
                            THEN excluded.latest_score ELSE evidence_slot.latest_score END,
        latest_at = CASE WHEN excluded.latest_at >= evidence_slot.latest_at
                         THEN excluded.latest_at ELSE evidence_slot.latest_at END,
        answers = evidence_slot.answers + 1
""").bindparams(bindparam("at", type_=DateTime(timezone=True)))


_ADD_PERIOD = text("""
    INSERT INTO evidence_period (person_id, competency, period_start, first_score, first_count,
                                 first_right, latest_change, answers)
    VALUES (:person_id, :competency, :period_start, :first_score, :first_count, :first_right,
            :latest_change, :answers)
    ON CONFLICT (person_id, competency, period_start) DO UPDATE SET
        first_score = evidence_period.first_score + excluded.first_score,
        first_count = evidence_period.first_count + excluded.first_count,
        first_right = evidence_period.first_right + excluded.first_right,
        latest_change = evidence_period.latest_change + excluded.latest_change,
        answers = evidence_period.answers + excluded.answers
""").bindparams(bindparam("period_start", type_=DateTime(timezone=True)))

#: The person's answers to one quiz, for the period sums of the questions an attempt touched.
_QUIZ_ANSWERS = text("""
    SELECT a.id, a.finished_at, q.position, q.question_id, q.competency, q.score
    FROM quiz_attempt a JOIN quiz_answer q ON q.attempt_id = a.id
    WHERE a.person_id = :person_id AND a.quiz_id = :quiz_id
""").columns(id=Integer, finished_at=DateTime(timezone=True), position=Integer, question_id=String,
             competency=String, score=Float)


def record_answers(
    session: Session,
    person_id: int,
    *,
    quiz_id: str,
    at: datetime,
    answers: Sequence[tuple[str, str, float]],
    attempt_id: int,
) -> None:
    """Fold an attempt's answers (question id, competency, credit) into the person's slots and
    period sums; the attempt (`attempt_id`) and its answers are already stored."""
    rows = [
        {"person_id": person_id, "kind": ANSWER, "item_id": quiz_id, "question_id": question,
         "competency": competency, "score": float(score), "at": at}
        for question, competency, score in answers
    ]
    if not rows:
        return
    cell = cell_evidence.cell_of(session, person_id, lock=True)  # one writer of a person's sums
    connection = session.connection()
    connection.execute(_UPSERT, rows)
    slots = _slot_changes(session, person_id, quiz_id=quiz_id, attempt_id=attempt_id,
                          touched={(q, c) for q, c, _ in answers})
    cell_evidence.record_first_answers(session, person_id, cell, slots)  # before the sums change
    changes = _period_rows(person_id, slots)
    if changes:
        connection.execute(_ADD_PERIOD, changes)


def _slot_changes(
    session: Session, person_id: int, *, quiz_id: str, attempt_id: int, touched: set[tuple[str, str]]
) -> dict[cell_evidence.SlotPeriod, Totals]:
    """Return what the attempt changes per touched slot and period: with minus without it."""
    stored: dict[tuple[str, str], list[Answer]] = {}
    result = session.connection().execute(_QUIZ_ANSWERS, {"person_id": person_id, "quiz_id": quiz_id})
    for a_id, finished_at, position, question, competency, score in result:
        if (question, competency) in touched:
            stored.setdefault((question, competency), []).append(
                Answer(finished_at, int(a_id), int(position), float(score)))
    changes: dict[cell_evidence.SlotPeriod, Totals] = {}
    for (question, competency), slot in stored.items():
        without = [a for a in slot if a.attempt_id != attempt_id]
        for period, change in difference(contributions(slot), contributions(without)).items():
            changes[(quiz_id, question, competency, period)] = change
    return changes


def _period_rows(person_id: int, slots: dict[cell_evidence.SlotPeriod, Totals]) -> list[dict[str, object]]:
    """Return the rows to add to the period sums: the slots' changes per competency and period."""
    totals: dict[tuple[str, datetime], Totals] = {}
    for (_, _, competency, period), change in slots.items():
        key = (competency, period)
        totals[key] = totals.get(key, Totals()) + change
    return [
        {"person_id": person_id, "competency": competency, "period_start": period.astimezone(UTC),
         "first_score": t.first_score, "first_count": t.first_count, "first_right": t.first_right,
         "latest_change": t.latest_change, "answers": t.answers}
        for (competency, period), t in sorted(totals.items()) if not t.empty
    ]


def record_run(session: Session, person_id: int, *, scenario_id: str, at: datetime, score: float) -> None:
    """Fold a finished, scored run into the person's slot for that scenario."""
    session.connection().execute(
        _UPSERT,
        {"person_id": person_id, "kind": RUN, "item_id": scenario_id, "question_id": "",
         "competency": "", "score": float(score), "at": at},
    )


#: Every slot computed from the stored answers and runs (ties broken as the dashboards do).
REBUILD_SELECT = f"""
    SELECT person_id, '{ANSWER}', quiz_id, question_id, competency,
           MAX(CASE WHEN up = 1 THEN score END), MIN(finished_at),
           MAX(CASE WHEN down = 1 THEN score END), MAX(finished_at), COUNT(*)
    FROM (
        SELECT a.person_id, a.quiz_id, q.question_id, q.competency, q.score, a.finished_at,
               ROW_NUMBER() OVER (PARTITION BY a.person_id, a.quiz_id, q.question_id, q.competency
                                  ORDER BY a.finished_at, a.id, q.position) AS up,
               ROW_NUMBER() OVER (PARTITION BY a.person_id, a.quiz_id, q.question_id, q.competency
                                  ORDER BY a.finished_at DESC, a.id DESC, q.position DESC) AS down
        FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
    ) x
    GROUP BY person_id, quiz_id, question_id, competency
    UNION ALL
    SELECT person_id, '{RUN}', scenario_id, '', '',
           MAX(CASE WHEN up = 1 THEN score END), MIN(finished_at),
           MAX(CASE WHEN down = 1 THEN score END), MAX(finished_at), COUNT(*)
    FROM (
        SELECT r.person_id, r.scenario_id, r.score, r.finished_at,
               ROW_NUMBER() OVER (PARTITION BY r.person_id, r.scenario_id ORDER BY r.finished_at, r.id) AS up,
               ROW_NUMBER() OVER (PARTITION BY r.person_id, r.scenario_id
                                  ORDER BY r.finished_at DESC, r.id DESC) AS down
        FROM scenario_run r WHERE r.finished_at IS NOT NULL AND r.score IS NOT NULL
    ) y
    GROUP BY person_id, scenario_id"""

REBUILD = f"""
    INSERT INTO evidence_slot (person_id, kind, item_id, question_id, competency,
                               first_score, first_at, latest_score, latest_at, answers)
    {REBUILD_SELECT}"""


def rebuild_periods_select(dialect: str) -> str:
    """Return a SELECT of every period sum computed from the stored answers (as the writes keep them)."""
    period = period_sql(dialect, "a.finished_at")
    slot = "a.person_id, a.quiz_id, q.question_id, q.competency"
    return f"""
    SELECT person_id, competency, period_start, SUM(fs), SUM(fc), SUM(fr), SUM(lc), SUM(n)
    FROM (
        SELECT person_id, competency, period_start, fs, fc, fr, n,
               v - COALESCE(LAG(v) OVER (PARTITION BY person_id, quiz_id, question_id, competency
                                         ORDER BY period_start), 0.0) AS lc
        FROM (
            SELECT person_id, quiz_id, question_id, competency, period_start,
                   SUM(CASE WHEN up = 1 THEN score ELSE 0.0 END) AS fs,
                   SUM(CASE WHEN up = 1 THEN 1 ELSE 0 END) AS fc,
                   SUM(CASE WHEN up = 1 AND score >= 1 THEN 1 ELSE 0 END) AS fr,
                   MAX(CASE WHEN down = 1 THEN score END) AS v, COUNT(*) AS n
            FROM (
                SELECT {slot}, q.score, {period} AS period_start,
                       ROW_NUMBER() OVER (PARTITION BY {slot} ORDER BY a.finished_at, a.id, q.position) AS up,
                       ROW_NUMBER() OVER (PARTITION BY {slot}, {period}
                                          ORDER BY a.finished_at DESC, a.id DESC, q.position DESC) AS down
                FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
            ) x
            GROUP BY person_id, quiz_id, question_id, competency, period_start
        ) y
    ) z
    GROUP BY person_id, competency, period_start"""


def rebuild_periods_statement(dialect: str) -> str:
    """Return the INSERT filling `evidence_period` from the stored answers (the table empty)."""
    return f"""
    INSERT INTO evidence_period (person_id, competency, period_start, first_score, first_count,
                                 first_right, latest_change, answers)
    {rebuild_periods_select(dialect)}"""


def rebuild(session: Session) -> None:
    """Recompute every slot, period sum and cell count from the stored answers and runs (after a
    bulk load or a repair)."""
    connection = session.connection()
    connection.execute(text("DELETE FROM evidence_slot"))
    connection.execute(text(REBUILD))
    connection.execute(text("DELETE FROM evidence_period"))
    connection.execute(text(rebuild_periods_statement(dialect_name(session))))
    cell_evidence.rebuild(session)
