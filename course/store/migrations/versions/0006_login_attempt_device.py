"""Remember which browser made each sign-in attempt (the hash of its device cookie).

A browser that signed in successfully before is judged by its own failures only, so failures
from elsewhere cannot keep its owner out. Only a SHA-256 of the cookie's random value is kept.

Revision ID: 0006
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempt") as batch:
        batch.add_column(sa.Column("device", sa.String(length=64), nullable=True))
        batch.create_index("ix_login_attempt_device_at", ["device", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempt") as batch:
        batch.drop_index("ix_login_attempt_device_at")
        batch.drop_column("device")
