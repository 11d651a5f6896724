"""The dashboard's tables at full precision, for the analysts' copies in the ZIP download.

Scores are fractions from 0 to 1, unrounded, under the same suppression as the page. The
downloads (course/services/dashboard/downloads.py) check the permission, render these rows as
formula-safe CSV and audit the export.
"""

from __future__ import annotations

from course.domain.dashboard import Suppression, TrendPoint, table_rows
from course.services.dashboard.board import Dashboard

#: The tables kept at full precision, by name (each is exact/<name>.csv in the ZIP).
EXPORTABLE = (
    "headline",
    "department",
    "track",
    "level",
    "pre_post",
    "trend",
    "trend_track",
    "completion",
    "flows",
    "endings",
    "questions",
)

Rows = tuple[list[str], list[list[object]]]


def export_rows(board: Dashboard, table: str) -> Rows:
    """Return the header and rows of one table of the dashboard, as shown (suppressed)."""
    if table in ("department", "track", "level"):
        chosen = {"department": board.by_department, "track": board.by_track, "level": board.by_level}[table]
        return (["level"], []) if chosen is None else table_rows(chosen)
    if table == "headline":
        h = board.headline
        return (
            ["score", "learners", "active_learners", "participation", "previous_score", "change"],
            [[h.score, h.learners, h.active_learners, h.participation, h.previous_score, h.change]],
        )
    if table in ("trend", "trend_track"):
        return _trend_rows(
            board.trend if table == "trend" else board.trend_by_track,
            "department" if table == "trend" else "track",
        )
    return {
        "pre_post": _pre_post_rows,
        "completion": _completion_rows,
        "flows": _flow_rows,
        "endings": _ending_rows,
        "questions": _question_rows,
    }[table](board)


def _shown(suppression: Suppression) -> str:
    return "yes" if suppression is Suppression.SHOWN else f"hidden ({suppression.value})"


def _trend_rows(points: tuple[TrendPoint, ...], group: str) -> Rows:
    return (
        ["period", group, "competency", "learners", "answers", "estimate", "shown"],
        [
            [t.period, t.department, t.competency, t.learners, t.answers, t.estimate, _shown(t.suppression)]
            for t in points
        ],
    )


def _pre_post_rows(board: Dashboard) -> Rows:
    return (
        ["department", "competency", "learners", "before", "after", "change", "shown"],
        [
            [p.row, p.column, p.learners, p.before, p.after, p.change, _shown(p.suppression)]
            for p in board.pre_post
        ],
    )


def _completion_rows(board: Dashboard) -> Rows:
    return (
        ["department", "learners", "not_started", "in_progress", "completed", "overdue", "shown"],
        [
            [
                c.department,
                c.learners,
                c.not_started,
                c.in_progress,
                c.completed,
                c.overdue,
                _shown(c.suppression),
            ]
            for c in board.completion
        ],
    )


def _flow_rows(board: Dashboard) -> Rows:
    return (
        ["scenario", "department", "node", "choice", "target", "steps", "learners", "choice_score"],
        [
            [
                f.scenario_id,
                f.department,
                f.node_id,
                f.choice_index,
                f.target_node,
                f.steps,
                f.learners,
                f.choice_score,
            ]
            for f in board.flows
        ],
    )


def _ending_rows(board: Dashboard) -> Rows:
    return (
        ["scenario", "department", "ending", "kind", "runs", "learners"],
        [
            [e.scenario_id, e.department, e.ending_node, e.ending_kind, e.runs, e.learners]
            for e in board.endings
        ],
    )


def _question_rows(board: Dashboard) -> Rows:
    return (
        ["quiz", "question", "competency", "answers", "correct", "learners", "facility"],
        [
            [q.quiz_id, q.question_id, q.competency, q.answers, q.correct, q.learners, q.facility]
            for q in board.weakest_questions
        ],
    )
