"""Where each LTI login came from, so that logins left without a launch can be bounded per address.

A login writes a nonce that only a launch signed by the platform can use. Counting the unused
ones by the address that asked for them lets the tool slow down one address that floods the
login route without touching anyone else. Nonces written before this revision have no address
(""): they expire within minutes and are purged, so no backfill is needed.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("lti_nonce") as batch:
        batch.add_column(sa.Column("address", sa.String(length=64), nullable=False, server_default=""))
    op.create_index("ix_lti_nonce_address_issued_at", "lti_nonce", ["address", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_lti_nonce_address_issued_at", table_name="lti_nonce")
    with op.batch_alter_table("lti_nonce") as batch:
        batch.drop_column("address")
