"""Plain-language captions for each section of a computed dashboard."""

from __future__ import annotations

from dataclasses import replace

from course.domain.dashboard import TOTAL
from course.services.dashboard.board import Dashboard


def with_captions(board: Dashboard) -> Dashboard:
    """Return the dashboard with a caption per section, keyed like the exportable tables."""
    k = board.min_group_size
    hidden = f"groups under {k} learners are hidden, with a partner where totals could reveal them"
    dept_n = board.by_department.learners
    captions = {
        "headline": board.headline.caption,
        "department": (
            f"Mean literacy estimate per department and competency, from "
            f"{dept_n if dept_n is not None else 'a hidden number of'} learners; {hidden}."
        ),
        "track": f"The same by course track (a learner on two tracks counts in both); {hidden}.",
        "level": f"The same by management level from the roster; {hidden}.",
        "pre_post": (
            f"Mean estimate from each learner's first answers and runs against their latest, "
            f"on the same questions and scenarios; {hidden}."
        ),
        "trend": (
            f"Share of answers correct per period (Beta-Binomial estimate), "
            f"{sum(p.answers or 0 for p in board.trend)} answers shown; {hidden}."
        ),
        "trend_track": (
            f"Share of answers correct per period and course track (Beta-Binomial estimate; a "
            f"learner on two tracks counts in both), "
            f"{sum(p.answers or 0 for p in board.trend_by_track)} answers shown; {hidden}."
        ),
        "completion": (
            f"Learners by status per department (counts only), "
            f"{sum(c.learners or 0 for c in board.completion if c.department == TOTAL)} learners; "
            f"{hidden}."
        ),
        "flows": f"Choices taken at each scenario step, by department; {hidden}.",
        "endings": f"Endings reached per scenario, by department; {hidden}.",
        "questions": (
            f"The questions answered correctly least often, each with at least {k} learners "
            f"({sum(q.answers for q in board.weakest_questions)} answers)."
        ),
    }
    return replace(board, captions=captions)
