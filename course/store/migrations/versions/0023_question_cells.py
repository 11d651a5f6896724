"""Count first answers per reporting cell (question_cell, week_cell) for the dashboards.

The weakest questions and the weekly trends add up these counts per department, level and
track list instead of reading a slot per person and question; they are filled here from the
slots and period sums already stored, for active people, as the writes keep them
(course/store/cell_evidence.py).

Revision ID: 0023
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0025"
branch_labels: str | None = None
depends_on: str | None = None

#: The start of a time's period (its week, within its month) and of its week, per dialect.
_PERIOD = {
    "sqlite": ("(MAX(date({t}, 'weekday 0', '-6 days'), date({t}, 'start of month'))"
               " || ' 00:00:00.000000')"),
    "postgresql": ("(GREATEST(date_trunc('week', ({t} AT TIME ZONE 'UTC')),"
                   " date_trunc('month', ({t} AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC')"),
}
_WEEK = {
    "sqlite": "(date({t}, 'weekday 0', '-6 days') || ' 00:00:00.000000')",
    "postgresql": "(date_trunc('week', ({t} AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC')",
}

_QUESTIONS = """
    INSERT INTO question_cell (department, level, tracks, competency, item_id, question_id,
                               period_start, first_count, first_right)
    SELECT p.department, p.level, p.tracks, s.competency, s.item_id, s.question_id, {period},
           COUNT(*), SUM(CASE WHEN s.first_score >= 1 THEN 1 ELSE 0 END)
    FROM evidence_slot s JOIN person p ON p.id = s.person_id
    WHERE s.kind = 'answer' AND p.active = :on
    GROUP BY p.department, p.level, p.tracks, s.competency, s.item_id, s.question_id, {period}"""

_WEEKS = """
    INSERT INTO week_cell (department, level, tracks, competency, week_start, learners,
                           first_count, first_right)
    SELECT p.department, p.level, p.tracks, d.competency, {week}, COUNT(DISTINCT d.person_id),
           SUM(d.first_count), SUM(d.first_right)
    FROM evidence_period d JOIN person p ON p.id = d.person_id
    WHERE d.first_count > 0 AND p.active = :on
    GROUP BY p.department, p.level, p.tracks, d.competency, {week}"""


def _cell() -> list[sa.Column[str]]:
    """Return the columns of a reporting cell (new ones for each table)."""
    return [
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=100), nullable=False),
        sa.Column("tracks", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "question_cell",
        *_cell(),
        sa.Column("competency", sa.String(length=50), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_count", sa.Integer(), nullable=False),
        sa.Column("first_right", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department", "level", "tracks", "competency", "item_id", "question_id",
                                "period_start"),
    )
    op.create_table(
        "week_cell",
        *_cell(),
        sa.Column("competency", sa.String(length=50), nullable=False),
        sa.Column("week_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("first_count", sa.Integer(), nullable=False),
        sa.Column("first_right", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("department", "level", "tracks", "competency", "week_start"),
    )
    dialect = op.get_bind().dialect.name
    period = _PERIOD.get(dialect, _PERIOD["postgresql"])
    week = _WEEK.get(dialect, _WEEK["postgresql"])
    connection = op.get_bind()
    connection.execute(sa.text(_QUESTIONS.replace("{period}", period.replace("{t}", "s.first_at"))),
                       {"on": True})
    connection.execute(sa.text(_WEEKS.replace("{week}", week.replace("{t}", "d.period_start"))),
                       {"on": True})


def downgrade() -> None:
    op.drop_table("week_cell")
    op.drop_table("question_cell")
