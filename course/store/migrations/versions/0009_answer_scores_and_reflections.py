"""Partial credit and reflections: a score per quiz answer, and a table of learners' reflections.

An ordering or matching answer earns the share of its positions or pairs that are right, so an
answer's evidence is no longer only right or wrong. Answers stored before keep their meaning: a
correct one scores 1, any other 0. Reflections are a learner's own words, kept for them alone.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_answer") as batch:
        batch.add_column(sa.Column("score", sa.Float(), nullable=False, server_default="0"))
    answer = sa.table("quiz_answer", sa.column("score", sa.Float()), sa.column("correct", sa.Boolean()))
    op.execute(answer.update().where(answer.c.correct == sa.true()).values(score=1.0))
    op.create_table(
        "reflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "quiz_id", "question_id", name="uq_reflection_person_question"),
    )


def downgrade() -> None:
    op.drop_table("reflection")
    with op.batch_alter_table("quiz_answer") as batch:
        batch.drop_column("score")
