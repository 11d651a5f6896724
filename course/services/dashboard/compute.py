"""Compute a dashboard: check the permission, narrow the scope, count in SQL, cache the result.

Each person's evidence per competency (latest, first, and latest before the comparison date) is
materialised once per computation (`evidence_table`, course/store/analytics/evidence.py) and
every grouping reads it: department, track, level, everyone, row totals, pre/post and the
previous score. The other sections are one GROUP BY query each; the trends by department and
by track come from one pass.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.permissions import Action, Actor, Capability
from course.domain.release import release_windows, week_start
from course.services.dashboard.board import Dashboard, DashboardCache, Filters, content_key
from course.services.dashboard.sections import Aggregates, assemble
from course.services.org_settings import read_privacy
from course.services.permissions import require
from course.store import analytics
from course.store.engine import Engine, Session, read_session


def build_scope(course: Course, filters: Filters, departments: tuple[str, ...] | None) -> analytics.Scope:
    """Return what the queries look at: these filters over these departments (None: all)."""
    competencies = tuple(
        c for c in course.info.competencies if filters.competencies is None or c in filters.competencies
    )
    pairs = tuple((sid, c) for sid, s in sorted(course.scenarios.items()) for c in s.meta.competencies)
    return analytics.Scope(
        competencies=competencies,
        scenario_competencies=pairs,
        tracks_known=tuple(course.info.roles),
        departments=departments,
        tracks=filters.tracks,
        since=filters.since,
        until=filters.until,
    )


def get_dashboard(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    filters: Filters | None = None,
    cache: DashboardCache | None = None,
    now: datetime | None = None,
) -> Dashboard:
    """Return the dashboard the actor may see for these filters (leaders: their departments)."""
    require(engine, actor, Action.VIEW_DASHBOARD)
    wanted = filters or Filters()
    if wanted.previous_days < 0 or wanted.overdue_days < 0:
        raise ValueError("previous_days and overdue_days must not be negative")
    departments = _departments_in_scope(actor, wanted.departments)
    with read_session(engine) as session:
        version = analytics.get_data_version(session)
        privacy = read_privacy(session)
    if Capability.ADMIN not in actor.grants.capabilities:
        _check_filters(wanted, privacy.leader_filters)
    k = privacy.min_group_size
    when = now or datetime.now(UTC)
    # `now` matters only when no end is given (overdue, previous period): a day's resolution.
    day = when.date() if wanted.until is None else None
    key = (version, content_key(course), k, departments, wanted, day)
    if cache is not None:
        found = cache.get(key)
        if found is not None:
            return found
    dashboard = _compute(engine, course, wanted, departments, now=when, min_group_size=k)
    if cache is not None:
        cache.put(key, dashboard)
    return dashboard


class FilterRefused(ValueError):
    """A leader asked for a filter the organisation's settings do not allow them."""


#: What each filter of the settings covers in `Filters`.
_FILTER_FIELDS = {
    "departments": ("departments",),
    "tracks": ("tracks",),
    "competencies": ("competencies",),
    "period": ("since", "until"),
}


def _check_filters(filters: Filters, allowed: frozenset[str]) -> None:
    """Refuse a filter that is switched off for leaders, naming it."""
    for name, fields in _FILTER_FIELDS.items():
        if name not in allowed and any(getattr(filters, f) is not None for f in fields):
            raise FilterRefused(f"Filtering by {name} is switched off for leaders by your administrator.")


def leader_filters(engine: Engine, actor: Actor) -> frozenset[str]:
    """Return the filters the actor may use on the dashboard (administrators: all of them)."""
    require(engine, actor, Action.VIEW_DASHBOARD)
    if Capability.ADMIN in actor.grants.capabilities:
        return frozenset(_FILTER_FIELDS)
    with read_session(engine) as session:
        return read_privacy(session).leader_filters


def departments_in_scope(engine: Engine, actor: Actor) -> tuple[str, ...]:
    """Return the departments the actor's dashboard covers, for its filter (no scores computed)."""
    require(engine, actor, Action.VIEW_DASHBOARD)
    allowed = actor.grants.leader_departments
    if Capability.ADMIN in actor.grants.capabilities or allowed is None:
        with read_session(engine) as session:
            return tuple(analytics.list_departments(session))
    return tuple(sorted(allowed))


def _departments_in_scope(actor: Actor, requested: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Narrow the requested departments to those the actor may see (None: all of them)."""
    allowed = actor.grants.leader_departments
    if Capability.ADMIN in actor.grants.capabilities or allowed is None:
        return requested
    if requested is None:
        return tuple(sorted(allowed))
    return tuple(sorted(set(requested) & allowed))


def _compute(
    engine: Engine,
    course: Course,
    filters: Filters,
    departments: tuple[str, ...] | None,
    *,
    now: datetime,
    min_group_size: int,
) -> Dashboard:
    k = min_group_size
    scope = build_scope(course, filters, departments)
    end = filters.until or now
    previous_until = end - timedelta(days=filters.previous_days)
    with read_session(engine) as session:
        analytics.prepare_report(session, scope)
        activity = analytics.list_activity(session, scope)
        windows = release_windows(activity, min_group_size=k, now=now, until=filters.until,
                                  previous=previous_until)
        counted = replace(scope, min_learners=k)
        with analytics.release_table(session, counted, windows) as released:
            if filters.until is None:  # the same windows: the latest release
                raw = _count(session, course, released, filters, now=now, latest=released)
            else:
                latest = release_windows(activity, min_group_size=k, now=now)
                with analytics.release_table(session, counted, latest) as newest:
                    raw = _count(session, course, released, filters, now=now, latest=newest)
    if filters.since is not None:  # "From" picks whole trend periods; scores rest on all evidence
        first = week_start(filters.since + timedelta(days=7) - timedelta.resolution).date().isoformat()
        raw = replace(raw, periods=[p for p in raw.periods if p.period >= first])
    return assemble(
        course,
        raw,
        competencies=scope.competencies,
        since=filters.since,
        end=end,
        previous_days=filters.previous_days,
        min_group_size=k,
    )


def _count(
    session: Session,
    course: Course,
    scope: analytics.Scope,
    filters: Filters,
    *,
    now: datetime,
    latest: analytics.Scope,
) -> Aggregates:
    """Run every query of one dashboard in one read session.

    Scores and trends read the evidence released up to the period's end (`scope`); decisions,
    endings and questions always read the latest release (`latest`), whatever the period.
    """
    with analytics.evidence_table(session, scope, previous_until=now) as evidence:

        def scores(grouping: str, *, by_competency: bool = True) -> list[analytics.GroupScore]:
            return analytics.group_scores(session, evidence, grouping=grouping, by_competency=by_competency)

        cells, row_totals = scores("department"), scores("department", by_competency=False)
        column_totals, overall = scores("all"), scores("all", by_competency=False)
        previous = analytics.group_scores(session, evidence, grouping="all", previous=True)
        track_cells = scores("track")
        level_cells = scores("level") if analytics.list_levels(session) else None
        changes = analytics.group_changes(session, evidence, grouping="department")
        change_totals = analytics.group_changes(session, evidence, grouping="all")
        pre_checks = analytics.group_pre_check_changes(session, evidence, grouping="department")
        pre_check_totals = analytics.group_pre_check_changes(session, evidence, grouping="all")
    periods = analytics.answers_per_period(
        session, scope, period=filters.period, groupings=("department", "track")
    )
    required = _required(course, analytics.list_track_sets(session))
    overdue_before = now - timedelta(days=filters.overdue_days)
    # The threshold snaps, per reporting cell, to a week by which at least k learners (or none)
    # had joined since the last such week: two thresholds never differ by fewer than k people.
    cuts = release_windows(analytics.list_joining(session, scope), min_group_size=scope.min_learners,
                           now=now, until=overdue_before)
    completion = analytics.completion_counts(
        session, scope, required=required, overdue_before=overdue_before, overdue_cuts=cuts
    )
    return Aggregates(
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        overall=overall,
        previous=previous,
        track_cells=track_cells,
        level_cells=level_cells,
        changes=changes,
        change_totals=change_totals,
        pre_checks=pre_checks,
        pre_check_totals=pre_check_totals,
        periods=periods,
        completion=completion,
        learners=analytics.count_learners(session, scope),
        flows=analytics.choice_flows(session, latest),
        endings=analytics.ending_tallies(session, latest),
        questions=analytics.question_counts(session, latest),
    )


def _required(course: Course, track_sets: list[str]) -> list[tuple[str, str, str]]:
    """List, per stored track list, the quizzes and scenarios its path requires."""
    required = []
    for stored in track_sets:
        for module in path_for(course, [t for t in stored.split(";") if t]):
            if module.quiz is not None:
                required.append((stored, "quiz", module.quiz))
            if module.scenario is not None:
                required.append((stored, "scenario", module.scenario))
    return sorted(set(required))
