"""Release points: counted as learners become active, the same points as recounting each week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from course.domain.release import EPOCH, release_points, week_start

MONDAY = date(2026, 1, 5)
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def _recounted(patterns: list[tuple[tuple[date, ...], int]], *, min_group_size: int,
               now: datetime) -> list[datetime]:
    """The rule as written: each Monday, recount the learners active since the last point."""
    rows = [(sorted(weeks), n) for weeks, n in patterns if n > 0 and weeks]
    points = [EPOCH]
    if not rows:
        return points
    monday = min(w[0] for w, _ in rows)
    while (monday := monday + timedelta(days=7)) <= week_start(now).date():
        start = points[-1].date()
        active = [(w, n) for w, n in rows if any(start <= x < monday for x in w)]
        learners = sum(n for _, n in active)
        newcomers = sum(n for w, n in active if w[0] >= start)
        if all(n == 0 or n >= min_group_size for n in (learners, newcomers)):
            points.append(datetime.combine(monday, time.min, tzinfo=UTC))
    return points


PATTERNS = st.lists(
    st.tuples(
        st.sets(st.integers(0, 14), min_size=0, max_size=6).map(
            lambda weeks: tuple(MONDAY + timedelta(weeks=w) for w in sorted(weeks))),
        st.integers(0, 4),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(patterns=PATTERNS, k=st.integers(1, 6))
def test_release_points_equal_a_recount_of_every_week(patterns: list[tuple[tuple[date, ...], int]],
                                                       k: int) -> None:
    assert release_points(patterns, min_group_size=k, now=NOW) == _recounted(patterns, min_group_size=k,
                                                                             now=NOW)


def test_a_week_with_too_few_new_learners_is_no_release_point() -> None:
    first, second = MONDAY, MONDAY + timedelta(weeks=1)
    # Five learners in the first week, then one more alone in the second: no point between them
    # would let the second week's single learner be told apart.
    points = release_points([((first,), 5), ((second,), 1), ((first, second), 1)], min_group_size=5,
                            now=NOW)
    assert datetime.combine(second, time.min, tzinfo=UTC) in points
    assert datetime.combine(second + timedelta(weeks=1), time.min, tzinfo=UTC) not in points
