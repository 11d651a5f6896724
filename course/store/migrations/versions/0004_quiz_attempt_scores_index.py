"""Index quiz attempts by quiz version and score, for the item analysis' upper and lower groups.

The edges of each quiz version's upper and lower 27% are read off this index (counts per score,
then one attempt id per edge) instead of ranking every attempt. It replaces the index on quiz_id
alone, which is its prefix.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_attempt") as batch:
        batch.create_index(
            "ix_quiz_attempt_quiz_version_score", ["quiz_id", "content_version", "score"], unique=False
        )
        batch.drop_index("ix_quiz_attempt_quiz_id")


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempt") as batch:
        batch.create_index("ix_quiz_attempt_quiz_id", ["quiz_id"], unique=False)
        batch.drop_index("ix_quiz_attempt_quiz_version_score")
