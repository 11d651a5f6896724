"""Sum each person's answer evidence per competency and period (evidence_period).

Also indexes the evidence slots by kind and item, so the scenario runs' slots are found without
reading every answer slot.

The dashboards add up these sums instead of reading every slot or answer; the table is filled
here from the answers already stored, as the writes keep it (course/store/evidence_slots.py).

Revision ID: 0020
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0021"
branch_labels: str | None = None
depends_on: str | None = None

#: The start of an answer's period: its week (Monday 00:00 UTC), within its month.
_PERIOD = {
    "sqlite": ("(MAX(date(a.finished_at, 'weekday 0', '-6 days'), date(a.finished_at, 'start of month'))"
               " || ' 00:00:00.000000')"),
    "postgresql": ("(GREATEST(date_trunc('week', (a.finished_at AT TIME ZONE 'UTC')),"
                   " date_trunc('month', (a.finished_at AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC')"),
}

#: The backfill: per slot, the first answer's credit in its period and the change of the latest
#: credit at the end of each period with answers, summed per person, competency and period.
_BACKFILL = """
    INSERT INTO evidence_period (person_id, competency, period_start, first_score, first_count,
                                 first_right, latest_change, answers)
    SELECT person_id, competency, period_start, SUM(fs), SUM(fc), SUM(fr), SUM(lc), SUM(n)
    FROM (
        SELECT person_id, competency, period_start, fs, fc, fr, n,
               v - COALESCE(LAG(v) OVER (PARTITION BY person_id, quiz_id, question_id, competency
                                         ORDER BY period_start), 0.0) AS lc
        FROM (
            SELECT person_id, quiz_id, question_id, competency, period_start,
                   SUM(CASE WHEN up = 1 THEN score ELSE 0.0 END) AS fs,
                   SUM(CASE WHEN up = 1 THEN 1 ELSE 0 END) AS fc,
                   SUM(CASE WHEN up = 1 AND score >= 1 THEN 1 ELSE 0 END) AS fr,
                   MAX(CASE WHEN down = 1 THEN score END) AS v, COUNT(*) AS n
            FROM (
                SELECT a.person_id, a.quiz_id, q.question_id, q.competency, q.score,
                       {period} AS period_start,
                       ROW_NUMBER() OVER (PARTITION BY a.person_id, a.quiz_id, q.question_id, q.competency
                                          ORDER BY a.finished_at, a.id, q.position) AS up,
                       ROW_NUMBER() OVER (PARTITION BY a.person_id, a.quiz_id, q.question_id, q.competency,
                                                       {period}
                                          ORDER BY a.finished_at DESC, a.id DESC, q.position DESC) AS down
                FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
            ) x
            GROUP BY person_id, quiz_id, question_id, competency, period_start
        ) y
    ) z
    GROUP BY person_id, competency, period_start"""


def upgrade() -> None:
    op.create_table(
        "evidence_period",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("competency", sa.String(length=50), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_score", sa.Float(), nullable=False),
        sa.Column("first_count", sa.Integer(), nullable=False),
        sa.Column("first_right", sa.Integer(), nullable=False),
        sa.Column("latest_change", sa.Float(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "competency", "period_start"),
    )
    op.create_index("ix_evidence_slot_kind_item", "evidence_slot", ["kind", "item_id"], unique=False)
    dialect = op.get_bind().dialect.name
    op.execute(_BACKFILL.replace("{period}", _PERIOD.get(dialect, _PERIOD["postgresql"])))


def downgrade() -> None:
    op.drop_table("evidence_period")
    op.drop_index("ix_evidence_slot_kind_item", table_name="evidence_slot")
