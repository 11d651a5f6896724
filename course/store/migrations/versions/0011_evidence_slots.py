"""Keep each person's first and latest evidence per question and scenario (evidence_slot).

The literacy score rests on first answers; the dashboards read this table instead of ranking
every answer. The table is filled here from the answers and runs already stored.

Revision ID: 0011
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

#: The backfill: every slot from the stored answers and runs, ties broken by id and position.
_BACKFILL = """
    INSERT INTO evidence_slot (person_id, kind, item_id, question_id, competency,
                               first_score, first_at, latest_score, latest_at, answers)

    SELECT person_id, 'answer', quiz_id, question_id, competency,
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
    SELECT person_id, 'run', scenario_id, '', '',
           MAX(CASE WHEN up = 1 THEN score END), MIN(finished_at),
           MAX(CASE WHEN down = 1 THEN score END), MAX(finished_at), COUNT(*)
    FROM (
        SELECT r.person_id, r.scenario_id, r.score, r.finished_at,
               ROW_NUMBER() OVER (PARTITION BY r.person_id, r.scenario_id ORDER BY r.finished_at, r.id) AS up,
               ROW_NUMBER() OVER (PARTITION BY r.person_id, r.scenario_id
                                  ORDER BY r.finished_at DESC, r.id DESC) AS down
        FROM scenario_run r WHERE r.finished_at IS NOT NULL AND r.score IS NOT NULL
    ) y
    GROUP BY person_id, scenario_id
"""


def upgrade() -> None:
    op.create_table(
        "evidence_slot",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("competency", sa.String(length=50), nullable=False),
        sa.Column("first_score", sa.Float(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest_score", sa.Float(), nullable=False),
        sa.Column("latest_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "kind", "item_id", "question_id", "competency"),
    )
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.drop_table("evidence_slot")
