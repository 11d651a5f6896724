"""Remember the wording each answer was asked in (question_form, quiz_answer.form_id).

Item statistics pool a question's answers across content versions in which it read the same.
Until now the wording of an answered question was worked out at read time from the version's
text in the content history, so a version deployed from files and replaced before anyone saved
it in the studio could not be matched. Answers now name their wording as they are recorded.

Answers stored before this revision keep form_id NULL: their wording cannot be recovered in
SQL (it needs the quiz parser), and the studio keeps working it out from the content history
for them, as before.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "question_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("hash", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quiz_id", "question_id", "hash", name="uq_question_form"),
    )
    op.add_column("quiz_answer", sa.Column("form_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quiz_answer") as batch:
        batch.drop_column("form_id")
    op.drop_table("question_form")
