"""Release windows: which evidence of each reporting cell a dashboard may count.

A reporting cell is the learners who share a department, a management level and a track list:
every group a dashboard shows (a department, a level, a track, a leader's scope, any filter of
them) is a union of whole cells. Per cell and measure (a competency, or a scenario's decisions),
evidence is released in whole weeks (Monday 00:00 UTC): a week boundary becomes a release point
only when at least `min_group_size` of the cell's learners (or none) were active on the measure
since the previous release point, and at least that many (or none) of them for the first time.
The week in progress is never released. Two dashboards a person can ask for, with any periods,
therefore differ in a cell only by releases of at least `min_group_size` learners; a cell with
fewer learners than that in its window is withheld from every figure. Stdlib only.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

_WEEK = timedelta(days=7)

#: The earliest moment: "from the start".
EPOCH = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday


@dataclass(frozen=True, slots=True)
class Activity:
    """When the learners of a reporting cell were active on a measure: per pattern of weeks
    (Mondays, ascending, each once), how many learners were active in exactly those weeks."""

    department: str
    level: str
    tracks: str
    measure: str
    patterns: tuple[tuple[tuple[date, ...], int], ...]


@dataclass(frozen=True, slots=True)
class Window:
    """The evidence of one reporting cell and measure that may be counted: [since, until).

    `previous` is the release point the earlier comparison score stops at (None: none asked).
    """

    department: str
    level: str
    tracks: str
    measure: str
    since: datetime
    until: datetime
    previous: datetime | None


def week_start(moment: datetime) -> datetime:
    """Return the Monday 00:00 UTC at or before a moment."""
    day = moment.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time.min, tzinfo=UTC)


def release_points(patterns: Iterable[tuple[tuple[date, ...], int]], *, min_group_size: int,
                   now: datetime) -> list[datetime]:
    """Return a cell's release points, oldest first, EPOCH included.

    `patterns` pairs the weeks (Mondays, ascending) in which learners were active with how many learners
    were active in exactly those weeks. Walking the complete weeks in order, a Monday becomes a
    release point when the learners active since the previous one, and among them those active
    for the first time, are each none or at least `min_group_size`; so two windows ending at
    different points differ by at least that many learners, or by none, both in who is counted
    and in whose evidence changed. Appending later activity never moves an earlier point.
    """
    rows = [(weeks, n) for weeks, n in patterns if n > 0 and weeks]
    points = [EPOCH]
    if not rows:
        return points
    by_week: dict[date, list[int]] = defaultdict(list)
    for index, (weeks, _) in enumerate(rows):
        for week in weeks:
            by_week[week].append(index)
    last_complete = week_start(now).date()
    counted = [0] * len(rows)  # the interval in which each pattern was counted (0: never)
    interval = 1  # numbers the intervals between release points
    learners = newcomers = 0  # the learners active in this interval, and those first active in it
    start = EPOCH.date()
    week = min(w[0] for w, _ in rows)
    while (monday := week + _WEEK) <= last_complete:
        for index in by_week.get(week, ()):  # counted once per interval, when first seen
            if counted[index] != interval:
                counted[index] = interval
                weeks, n = rows[index]
                learners += n
                newcomers += n if weeks[0] >= start else 0
        if (learners == 0 or learners >= min_group_size) and (newcomers == 0 or newcomers >= min_group_size):
            points.append(datetime.combine(monday, time.min, tzinfo=UTC))
            interval, learners, newcomers, start = interval + 1, 0, 0, monday
        week = monday
    return points


def _active(rows: Iterable[tuple[tuple[date, ...], int]], start: datetime, end: datetime) -> int:
    """Count the learners with any active week in [start, end)."""
    low, high = start.date(), end.date()
    total = 0
    for weeks, n in rows:
        at = bisect.bisect_left(weeks, low)
        if at < len(weeks) and weeks[at] < high:
            total += n
    return total


def release_windows(
    activity: Iterable[Activity],
    *,
    min_group_size: int,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    previous: datetime | None = None,
) -> tuple[Window, ...]:
    """Return the window of every reporting cell and measure that may be shown, others withheld.

    The asked period snaps inwards to the cell's release points (`since` up, `until` down; no
    `until` means now); `previous` snaps down. A cell whose window holds fewer than
    `min_group_size` active learners is left out: its evidence counts nowhere.
    """
    cells: dict[tuple[str, str, str, str], list[tuple[tuple[date, ...], int]]] = {}
    for a in activity:
        cells.setdefault((a.department, a.level, a.tracks, a.measure), []).extend(a.patterns)
    out = []
    for key, patterns in sorted(cells.items()):
        points = release_points(patterns, min_group_size=min_group_size, now=now)
        start = EPOCH if since is None else next((p for p in points if p >= since), None)
        end = _floor(points, now if until is None else min(until, now))
        if start is None or end <= start:
            continue
        if _active(patterns, start, end) < min_group_size:
            continue
        earlier = None if previous is None else _floor(points, min(previous, end))
        out.append(Window(*key, since=start, until=end, previous=earlier))
    return tuple(out)


def _floor(points: list[datetime], moment: datetime) -> datetime:
    """Return the latest release point at or before a moment (EPOCH at least)."""
    return points[max(0, bisect.bisect_right(points, moment) - 1)]
