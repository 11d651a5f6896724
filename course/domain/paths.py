"""A learner's path: the modules of their tracks in order, and what is unlocked."""

from __future__ import annotations

from collections.abc import Iterable

from course.domain.model import Course, Module


def path_for(course: Course, tracks: Iterable[str]) -> tuple[Module, ...]:
    """Return the modules a learner on these tracks follows, ordered by `order`, then id.

    Modules without an order come after those with one.
    """
    wanted = frozenset(tracks)
    modules = [m for m in course.modules.values() if m.meta.is_for(wanted)]
    return tuple(sorted(modules, key=lambda m: (m.meta.order is None, m.meta.order or 0, m.meta.id)))


def coverage(course: Course) -> dict[str, dict[str, int]]:
    """Count, per competency, the quiz questions and scenarios that assess it."""
    counts = {c: {"questions": 0, "scenarios": 0} for c in course.info.competencies}
    for quiz in course.quizzes.values():
        for question in quiz.scored_questions:
            counts.setdefault(question.competency, {"questions": 0, "scenarios": 0})["questions"] += 1
    for scenario in course.scenarios.values():
        for competency in scenario.meta.competencies:
            counts.setdefault(competency, {"questions": 0, "scenarios": 0})["scenarios"] += 1
    return counts
