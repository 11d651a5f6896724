"""Placement pre-check: a learner's answers before their path starts, kept apart from quizzes.

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "placement_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("competency", sa.String(length=50), nullable=False),
        sa.Column("quiz_version", sa.String(length=64), nullable=False),
        sa.Column("chosen", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "quiz_id", "question_id", name="uq_placement_person_question"),
    )
    op.create_index("ix_placement_answer_person_id", "placement_answer", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_placement_answer_person_id", table_name="placement_answer")
    op.drop_table("placement_answer")
