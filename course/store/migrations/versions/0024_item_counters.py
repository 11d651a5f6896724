"""Item analysis counters (item_score_count, item_choice_count, item_learner, item_form_learners).

The studio's item analysis read every answer; it now reads these counters, which the writes
keep up to date in the transaction that stores each attempt (course/store/item_counters.py).
They are filled here from the answers already stored, as the writes keep them.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0022"
branch_labels: str | None = None
depends_on: str | None = None

_BACKFILL = (
    """INSERT INTO item_score_count (quiz_id, content_version, question_id, form_id, score, answers,
                                     correct, seconds)
    SELECT a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), a.score,
           COUNT(*), SUM(CASE WHEN q.correct THEN 1 ELSE 0 END), SUM(q.seconds)
    FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
    GROUP BY a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), a.score""",
    """INSERT INTO item_choice_count (quiz_id, content_version, question_id, form_id, chosen, answers)
    SELECT a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), q.chosen, COUNT(*)
    FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
    GROUP BY a.quiz_id, a.content_version, q.question_id, COALESCE(q.form_id, 0), q.chosen""",
    """INSERT INTO item_learner (form_id, person_id)
    SELECT DISTINCT q.form_id, a.person_id FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
    WHERE q.form_id IS NOT NULL""",
    """INSERT INTO item_form_learners (form_id, learners)
    SELECT form_id, COUNT(*) FROM item_learner GROUP BY form_id""",
)


def _cell() -> list[sa.Column[object]]:
    return [
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("content_version", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "item_score_count",
        *_cell(),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("quiz_id", "content_version", "question_id", "form_id", "score"),
    )
    op.create_table(
        "item_choice_count",
        *_cell(),
        sa.Column("chosen", sa.String(length=200), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("quiz_id", "content_version", "question_id", "form_id", "chosen"),
    )
    op.create_table(
        "item_learner",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("form_id", "person_id"),
    )
    op.create_table(
        "item_form_learners",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("form_id"),
    )
    for statement in _BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    for table in ("item_form_learners", "item_learner", "item_choice_count", "item_score_count"):
        op.drop_table(table)
