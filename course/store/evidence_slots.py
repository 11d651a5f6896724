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
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, bindparam, text
from sqlmodel import Session

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


def record_answers(
    session: Session, person_id: int, *, quiz_id: str, at: datetime, answers: Sequence[tuple[str, str, float]]
) -> None:
    """Fold an attempt's answers (question id, competency, credit) into the person's slots."""
    rows = [
        {"person_id": person_id, "kind": ANSWER, "item_id": quiz_id, "question_id": question,
         "competency": competency, "score": float(score), "at": at}
        for question, competency, score in answers
    ]
    if rows:
        session.connection().execute(_UPSERT, rows)


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


def rebuild(session: Session) -> None:
    """Recompute every slot from the stored answers and runs (after a bulk load or a repair)."""
    connection = session.connection()
    connection.execute(text("DELETE FROM evidence_slot"))
    connection.execute(text(REBUILD))
