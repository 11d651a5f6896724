"""The literacy dashboard: where the organisation stands, by department and competency.

Everything shown comes from the dashboard service, already limited to the leader's departments
and with small groups suppressed on the server; no person's name or answer reaches this page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from course.charts import figure_png
from course.domain.model import Course
from course.domain.permissions import Page
from course.services.dashboard import (
    EXPORTABLE,
    Dashboard,
    DashboardCache,
    FilterRefused,
    Filters,
    departments_in_scope,
    export_csv,
    get_dashboard,
    leader_filters,
)
from course.ui import a11y, auth, dashboard_view, resources
from course.ui.dashboard_view import Figures, label

#: Choices for "compare with": how many days before the end of the period.
COMPARE_DAYS = (30, 90, 180, 365)


def _cache() -> DashboardCache:
    # Held for the process, where a browser's clear-cache message does not reach.
    return resources.dashboard_cache()


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def _changed(what: str) -> None:
    a11y.say(f"Filter changed: {what}. The dashboard is drawn again for it.")


def _filters(course: Course, departments: tuple[str, ...], allowed: frozenset[str]) -> Filters:
    with st.sidebar:
        st.subheader("Filters", anchor=False)
        chosen = (st.multiselect("Departments", departments, on_change=_changed, args=("departments",))
                  if "departments" in allowed else [])
        tracks = (st.multiselect("Tracks", list(course.info.roles), format_func=lambda r: label(course, r),
                                 on_change=_changed, args=("tracks",))
                  if "tracks" in allowed else [])
        competencies = (st.multiselect("Competencies", list(course.info.competencies),
                                       format_func=lambda c: label(course, c), on_change=_changed,
                                       args=("competencies",))
                        if "competencies" in allowed else [])
        st.subheader("Period", anchor=False)
        since = until = None
        if "period" in allowed:
            since = st.date_input("From", value=None, help="Trend periods from this day on. Scores always "
                                  "rest on all released evidence up to 'Until'. Empty: from the start.")
            until = st.date_input("Until", value=None, help="Evidence up to the last release before the end "
                                  "of this day. Empty: the latest release (never the week in progress).")
        if len(allowed) < 4:
            st.caption("Your administrator has switched some filters off.")
        if isinstance(since, date) and isinstance(until, date) and since > until:
            st.error("'From' is after 'Until': the period is ignored until that is fixed.")
            since = until = None
        compare = st.selectbox("Compare with", COMPARE_DAYS, format_func=lambda d: f"{d} days earlier")
        period = st.radio("Trend by", ["week", "month"], horizontal=True)
        overdue = st.number_input("Overdue after (days on the roster)", min_value=1, max_value=730, value=28,
                                  step=7, help="A learner who has not completed their path this long after "
                                  "joining the roster counts as overdue.")
    end = _start_of(until + timedelta(days=1)) if isinstance(until, date) else None
    return Filters(departments=tuple(chosen) or None, tracks=tuple(tracks) or None,
                   competencies=tuple(competencies) or None, period=str(period),
                   since=_start_of(since) if isinstance(since, date) else None, until=end,
                   previous_days=int(compare), overdue_days=int(overdue))


def _downloads(course: Course, filters: Filters, figures: Figures) -> None:
    actor = auth.require_page(Page.DASHBOARD)
    st.header("Exports", anchor=False)
    st.caption("Every export applies the same suppression as the page. Each chart can also be saved "
               "from the camera button at its top right.")
    columns = st.columns(4)
    for index, table in enumerate(EXPORTABLE):
        with columns[index % 4]:
            if st.button(f"Prepare {table} CSV", key=f"export-{table}"):
                data = export_csv(resources.engine(), actor, course, table=table, filters=filters,
                                  cache=_cache())
                st.download_button(f"Download {table}.csv", data, file_name=f"literacy-{table}.csv",
                                   mime="text/csv", key=f"download-{table}")
                a11y.say(f"{table}.csv is ready: the button Download {table}.csv saves it.")
    if not figures:
        return
    left, right = st.columns([3, 1])
    name = left.selectbox("Chart as PNG", sorted(figures))
    if right.button("Render PNG", key="render-png"):
        auth.require_page(Page.DASHBOARD)
        image = figure_png(figures[name])
        if image.data is None:
            st.warning(image.problem + " Use the camera button on the chart instead.")
        else:
            st.download_button(f"Download {name}.png", image.data, file_name=f"literacy-{name}.png",
                               mime="image/png", key="download-png")


def _sections(course: Course, board: Dashboard, *, period: str, overdue_days: int) -> Figures:
    figures: Figures = {}
    dashboard_view.headline(board)
    st.header("Competency by department", anchor=False)
    figures["department-heatmap"] = dashboard_view.heatmap(course, board.by_department, key="heat-department")
    with st.expander("Competency by track"):
        figures["track-heatmap"] = dashboard_view.heatmap(course, board.by_track, key="heat-track",
                                                          caption=board.captions.get("track", ""))
    if board.by_level is not None:
        with st.expander("Competency by management level"):
            figures["level-heatmap"] = dashboard_view.heatmap(course, board.by_level, key="heat-level",
                                                              caption=board.captions.get("level", ""))
    st.header("What to train next", anchor=False)
    dashboard_view.train_next(course, board)
    st.header("Before and after training", anchor=False)
    figures["before-after"] = dashboard_view.pre_post(course, board)
    st.header("Trend", anchor=False)
    by_track = st.radio("Lines per", ["department", "track"], horizontal=True, key="trend-by")
    points = board.trend_by_track if by_track == "track" else board.trend
    figures["trend"] = dashboard_view.trend(course, board, points, by=str(by_track), period=period)
    st.caption(board.captions.get("trend_track" if by_track == "track" else "trend", ""))
    st.header("Completion", anchor=False)
    figures["completion"] = dashboard_view.completion(board, overdue_days=overdue_days)
    st.header("Scenario decisions", anchor=False)
    figures.update(dashboard_view.scenario_decisions(course, board))
    st.header("Weakest questions", anchor=False)
    dashboard_view.weakest_questions(course, board)
    return {name: figure for name, figure in figures.items() if figure is not None}


def render() -> None:
    """Draw the leadership dashboard."""
    actor = auth.require_page(Page.DASHBOARD)
    course = resources.course().course
    a11y.page("Literacy dashboard")
    st.title("Literacy dashboard", anchor=False)
    if course is None:
        st.error("The course is unavailable right now.")
        return
    engine = resources.engine()
    scope = departments_in_scope(engine, actor)
    filters = _filters(course, scope, leader_filters(engine, actor))
    try:
        board = get_dashboard(engine, actor, course, filters=filters, cache=_cache())
    except FilterRefused as refused:
        st.error(str(refused))
        return
    st.caption(f"Every figure counts whole reporting cells (learners sharing a department, level and "
               f"tracks) of at least {board.min_group_size} learners; smaller cells are left out everywhere, "
               f"and answers appear in whole weeks once {board.min_group_size} learners of a cell have "
               "answered since the last release. No individual is shown.")
    figures = _sections(course, board, period=filters.period, overdue_days=filters.overdue_days)
    _downloads(course, filters, figures)


render()
