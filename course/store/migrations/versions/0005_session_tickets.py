"""Session tickets: the one-time hand-over of a new session to the browser's HttpOnly cookie.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "session_ticket",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("return_path", sa.String(length=500), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("session_ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_ticket_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_ticket_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_ticket_expires_at"))
        batch_op.drop_index(batch_op.f("ix_session_ticket_person_id"))
    op.drop_table("session_ticket")
