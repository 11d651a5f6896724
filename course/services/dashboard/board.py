"""What a dashboard is: the leader's filters, the computed value, and the cache that keeps it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from course.domain.dashboard import (
    ChoiceFlow,
    Completion,
    EndingCount,
    Headline,
    PrePost,
    QuestionFacility,
    Table,
    TrendPoint,
)
from course.domain.model import Course
from course.services.cache import LruCache


@dataclass(frozen=True, slots=True)
class Filters:
    """What the leader asked to see. None means everything (within their scope).

    `since`/`until` bound the period of evidence; the headline compares the score at `until`
    with the score `previous_days` earlier. `period` buckets trends by "week" or "month".
    """

    since: datetime | None = None
    until: datetime | None = None
    departments: tuple[str, ...] | None = None
    tracks: tuple[str, ...] | None = None
    competencies: tuple[str, ...] | None = None
    period: str = "week"
    previous_days: int = 30
    overdue_days: int = 28


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard page shows, already scoped and suppressed; no person appears.

    `trend` has a point per period, department and competency; `trend_by_track` the same per
    course track (its points' `department` holds the track; a learner on two tracks counts in
    both).
    """

    headline: Headline
    by_department: Table
    by_track: Table
    by_level: Table | None
    pre_post: tuple[PrePost, ...]
    trend: tuple[TrendPoint, ...]
    trend_by_track: tuple[TrendPoint, ...]
    completion: tuple[Completion, ...]
    flows: tuple[ChoiceFlow, ...]
    endings: tuple[EndingCount, ...]
    weakest_questions: tuple[QuestionFacility, ...]
    weakest_competencies: tuple[tuple[str, float, int], ...]
    departments: tuple[str, ...]
    min_group_size: int
    captions: dict[str, str] = field(default_factory=dict)
    #: Learners who took the placement pre-check: its estimate against their first answers.
    pre_check: tuple[PrePost, ...] = ()


class DashboardCache(LruCache[Dashboard]):
    """Computed dashboards (aggregates only, never security state), keyed by data version."""


def content_key(course: Course) -> str:
    """Return a fingerprint of what the dashboard reads from the content."""
    parts = [course.info.version, *course.info.competencies]
    parts += [f"module:{key}@{item.meta.version}" for key, item in sorted(course.modules.items())]
    parts += [f"quiz:{key}@{item.meta.version}" for key, item in sorted(course.quizzes.items())]
    parts += [f"scenario:{key}@{item.meta.version}" for key, item in sorted(course.scenarios.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
