"""A certificate per re-take cycle: the cycle number joins the person and track in its key.

Revision ID: 0019
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificate") as batch:
        batch.add_column(sa.Column("cycle", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("uq_certificate_person_track", type_="unique")
        batch.create_unique_constraint("uq_certificate_person_track_cycle", ["person_id", "track", "cycle"])


def downgrade() -> None:
    # Keeps each person's first certificate of a track: the later cycles' do not fit the old key.
    op.execute("DELETE FROM certificate WHERE cycle > 0")
    with op.batch_alter_table("certificate") as batch:
        batch.drop_constraint("uq_certificate_person_track_cycle", type_="unique")
        batch.create_unique_constraint("uq_certificate_person_track", ["person_id", "track"])
        batch.drop_column("cycle")
