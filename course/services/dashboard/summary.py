"""The executive first screen: the whole answer from a computed dashboard, in a few figures.

Pure functions over an already-suppressed `Dashboard`: the organisation's literacy score, its
change since the previous period, participation, a status per department against the target
the administrator set, and what to train next. Nothing here counts anew, so nothing here can
show what the dashboard hides.
"""

from __future__ import annotations

from dataclasses import dataclass

from course.domain.dashboard import TOTAL
from course.domain.model import Course
from course.domain.targets import Status, status_of
from course.services.dashboard.board import Dashboard


@dataclass(frozen=True, slots=True)
class DepartmentStatus:
    """One department's literacy score (None when hidden) and its status against the target."""

    department: str
    score: float | None
    learners: int | None
    status: Status


@dataclass(frozen=True, slots=True)
class TrainNext:
    """A weak competency and the module that teaches it most directly (None: no module yet)."""

    competency: str
    title: str
    score: float
    learners: int
    module_id: str | None
    module_title: str | None


@dataclass(frozen=True, slots=True)
class FirstScreen:
    """Everything the first screen shows; `change_points` is the change in whole points."""

    score: float | None
    change_points: int | None
    previous_days: int
    participants: int | None
    learners: int | None
    participation: float | None
    target: int
    departments: tuple[DepartmentStatus, ...]
    train_next: tuple[TrainNext, ...]
    min_group_size: int

    @property
    def everything_hidden(self) -> bool:
        """Tell whether no figure at all can be shown (every group is too small)."""
        return self.score is None and all(d.score is None for d in self.departments)


def percent(value: float | None) -> str:
    """Format a 0..1 score as a whole percentage, or a dash when there is none."""
    return "–" if value is None else f"{round(value * 100)}%"


def change_words(change_points: int | None, previous_days: int) -> str:
    """Say the change in plain words: up, down, no change, or nothing to compare with."""
    if change_points is None:
        return f"No figure {previous_days} days earlier to compare with"
    if change_points == 0:
        return f"No change since {previous_days} days earlier"
    direction = "Up" if change_points > 0 else "Down"
    unit = "point" if abs(change_points) == 1 else "points"
    return f"{direction} {abs(change_points)} {unit} since {previous_days} days earlier"


def first_screen(course: Course, board: Dashboard, *, target: int, previous_days: int) -> FirstScreen:
    """Return the first screen of this dashboard, measured against `target` (in percent)."""
    head = board.headline
    change = None if head.change is None else round(head.change * 100)
    return FirstScreen(
        score=head.score,
        change_points=change,
        previous_days=previous_days,
        participants=head.learners,
        learners=head.active_learners,
        participation=head.participation,
        target=target,
        departments=department_statuses(board, target),
        train_next=train_next(course, board),
        min_group_size=board.min_group_size,
    )


def department_statuses(board: Dashboard, target: int) -> tuple[DepartmentStatus, ...]:
    """Return each department in view with its literacy score (over competencies) and status."""
    totals = {c.row: c for c in board.by_department.row_totals if c.row != TOTAL}
    names = sorted(set(board.by_department.rows) | set(board.departments) - {TOTAL})
    out = []
    for name in names:
        cell = totals.get(name)
        score = None if cell is None or cell.suppressed else cell.estimate
        learners = None if score is None or cell is None else cell.learners
        out.append(DepartmentStatus(name, score, learners, status_of(score, target)))
    return tuple(out)


def train_next(course: Course, board: Dashboard, *, limit: int = 3) -> tuple[TrainNext, ...]:
    """Return the weakest competencies, each with the module that focuses on it most."""
    out = []
    for competency, score, learners in board.weakest_competencies[:limit]:
        modules = sorted(
            (m.meta for m in course.modules.values() if competency in m.meta.competencies),
            key=lambda meta: (meta.competencies.index(competency), meta.title),
        )
        first = modules[0] if modules else None
        out.append(
            TrainNext(
                competency,
                course.info.competencies.get(competency, competency),
                score,
                learners,
                None if first is None else first.id,
                None if first is None else first.title,
            )
        )
    return tuple(out)
