"""Plain-language captions for each section of a computed dashboard."""

from __future__ import annotations

from dataclasses import replace

from course.domain.dashboard import TOTAL
from course.services.dashboard.board import Dashboard


def with_captions(board: Dashboard) -> Dashboard:
    """Return the dashboard with a caption per section, keyed like the exportable tables."""
    k = board.min_group_size
    hidden = (
        f"reporting cells of fewer than {k} learners are left out, and answers count in weekly "
        f"releases of at least {k} learners"
    )
    dept_n = board.by_department.learners
    people = f"{dept_n if dept_n is not None else 'a hidden number of'} learners"
    per_competency = sorted(p.learners for p in board.pre_post if p.row == TOTAL and p.learners is not None)
    pre_post_n = (
        f"{per_competency[0]} to {per_competency[-1]} learners per competency"
        if per_competency and per_competency[0] != per_competency[-1]
        else f"{per_competency[0]} learners per competency"
        if per_competency
        else "too few learners to show"
    )
    captions = {
        "headline": board.headline.caption,
        "department": (
            f"Literacy score per department and competency, from {people}; {hidden}."
        ),
        "track": (
            f"The same by course track, from the same {people} (one on two tracks counts in both); "
            f"{hidden}."
        ),
        "level": f"The same by management level from the roster, from the same {people}; {hidden}.",
        "pre_post": (
            f"Mean estimate from each learner's first answers and runs (the literacy score) against "
            f"their latest after practice, on the same questions and scenarios ({pre_post_n}); "
            f"practice never raises the score; {hidden}."
        ),
        "trend": (
            f"Share of answers correct per period, "
            f"{sum(p.answers or 0 for p in board.trend)} answers shown; {hidden}."
        ),
        "trend_track": (
            f"Share of answers correct per period and course track (a "
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
