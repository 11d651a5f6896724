"""LTI 1.3: the tool's key, used nonces, people linked to platform users, line items, grade outbox.

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "lti_tool_key",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_pem", sa.String(length=4000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_table(
        "lti_nonce",
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index("ix_lti_nonce_issued_at", "lti_nonce", ["issued_at"])
    op.create_table(
        "lti_person_link",
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("issuer", "subject"),
    )
    op.create_index("ix_lti_person_link_person_id", "lti_person_link", ["person_id"])
    op.create_table(
        "lti_line_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("item_kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    op.create_table(
        "lti_line_item_member",
        sa.Column("line_item_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["line_item_id"], ["lti_line_item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("line_item_id", "person_id"),
    )
    op.create_index("ix_lti_line_item_member_person_id", "lti_line_item_member", ["person_id"])
    op.create_table(
        "lti_grade_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("line_item_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["line_item_id"], ["lti_line_item.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_lti_grade_outbox_person_id", "lti_grade_outbox", ["person_id"])
    op.create_index("ix_lti_grade_outbox_due", "lti_grade_outbox",
                    ["sent_at", "failed_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_lti_grade_outbox_due", table_name="lti_grade_outbox")
    op.drop_index("ix_lti_grade_outbox_person_id", table_name="lti_grade_outbox")
    op.drop_table("lti_grade_outbox")
    op.drop_index("ix_lti_line_item_member_person_id", table_name="lti_line_item_member")
    op.drop_table("lti_line_item_member")
    op.drop_table("lti_line_item")
    op.drop_index("ix_lti_person_link_person_id", table_name="lti_person_link")
    op.drop_table("lti_person_link")
    op.drop_index("ix_lti_nonce_issued_at", table_name="lti_nonce")
    op.drop_table("lti_nonce")
    op.drop_table("lti_tool_key")
