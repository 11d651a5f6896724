"""Keep organisation settings (the dashboards' minimum group, leaders' filters) in the database.

They used to live in course.yaml, which trainers edit. The table starts with the defaults, so
existing databases keep protecting groups of fewer than five learners.

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    table = op.create_table(
        "organisation_setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("key"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {"key": "min_group_size", "value": "5", "updated_at": now, "updated_by": None},
            {
                "key": "leader_filters",
                "value": '["departments", "tracks", "competencies", "period"]',
                "updated_at": now,
                "updated_by": None,
            },
        ],
    )


def downgrade() -> None:
    op.drop_table("organisation_setting")
