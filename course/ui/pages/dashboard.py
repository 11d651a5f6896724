"""The literacy dashboard: the whole answer on the first screen, the detail in tabs below.

Everything shown comes from the dashboard service, already limited to the leader's departments
and with small groups suppressed on the server; no person's name or answer reaches this page.
Every download is one button whose file is made (and audited) when it is clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Page
from course.services.dashboard import (
    Dashboard,
    DashboardCache,
    FilterRefused,
    Filters,
    departments_in_scope,
    get_dashboard,
    leader_filters,
)
from course.services.dashboard.downloads import export_table, export_zip
from course.services.dashboard.report import board_report
from course.services.dashboard.shown import ShownTable, all_tables
from course.services.dashboard.summary import FirstScreen, first_screen
from course.services.org_settings import SettingsError, get_dashboard_settings, update_dashboard_settings
from course.ui import a11y, auth, dashboard_view, executive_view, resources, tables
from course.ui.dashboard_view import label

#: Choices for "compare with": how many days before the end of the period.
COMPARE_DAYS = (30, 90, 180, 365)
#: The drill-down tabs below the first screen, in order.
TABS = ("By department", "By track and level", "Before and after", "Trend", "Completion", "Decisions",
        "Weakest questions", "Downloads")


def _cache() -> DashboardCache:
    # Held for the process, where a browser's clear-cache message does not reach.
    return resources.dashboard_cache()


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def _asked_competency(course: Course) -> list[str]:
    """Return the competency a "what to train next" link asked to drill into, if it is one."""
    asked = st.query_params.get(executive_view.COMPETENCY_PARAM, "")
    return [asked] if asked in course.info.competencies else []


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
                                       default=_asked_competency(course),
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


def _first_screen(screen: FirstScreen, report: Callable[[], bytes], *, links: bool) -> None:
    executive_view.headline(screen, report, file_name=f"literacy-board-report-{date.today():%Y-%m-%d}.pdf")
    executive_view.method()
    if screen.everything_hidden:
        executive_view.everything_hidden(screen)
        return
    executive_view.statuses(screen)
    executive_view.train_next(screen, links=links)


def _as_table(table: ShownTable) -> None:
    with st.expander("As a table"):
        tables.show(list(table.rows), hide_index=True)


def _drill_down(course: Course, board: Dashboard, shown: dict[str, ShownTable], filters: Filters) -> None:
    (by_department, by_track, before_after, over_time, completion, decisions, questions,
     downloads) = st.tabs(TABS)
    with by_department:
        dashboard_view.heatmap(course, board.by_department, key="heat-department",
                               caption=board.captions.get("department", ""))
        _as_table(shown["department"])
    with by_track:
        dashboard_view.heatmap(course, board.by_track, key="heat-track",
                               caption=board.captions.get("track", ""))
        _as_table(shown["track"])
        if board.by_level is not None:
            st.subheader("By management level", anchor=False)
            dashboard_view.heatmap(course, board.by_level, key="heat-level",
                                   caption=board.captions.get("level", ""))
            _as_table(shown["level"])
    with before_after:
        dashboard_view.pre_post(course, board, shown["pre_post"])
        dashboard_view.pre_check(board, shown.get("pre_check"))
    with over_time:
        lines = st.radio("Lines per", ["department", "track"], horizontal=True, key="trend-by")
        points = board.trend_by_track if lines == "track" else board.trend
        dashboard_view.trend(course, board, points, by=str(lines), period=filters.period)
        st.caption(board.captions.get("trend_track" if lines == "track" else "trend", ""))
        _as_table(shown["trend_track" if lines == "track" else "trend"])
    with completion:
        dashboard_view.completion(board, shown["completion"], overdue_days=filters.overdue_days)
    with decisions:
        dashboard_view.scenario_decisions(course, board)
    with questions:
        dashboard_view.weakest_questions(board, shown["questions"])
    with downloads:
        _downloads(course, filters, shown)


def _downloads(course: Course, filters: Filters, shown: dict[str, ShownTable]) -> None:
    actor = auth.require_page(Page.DASHBOARD)
    engine = resources.engine()
    st.caption("Each file is made when you click, with the same figures, column names and hidden cells "
               "as the page. Each chart can also be saved from the camera button at its top right.")

    def zipped() -> bytes:
        return export_zip(engine, actor, course, filters=filters, cache=_cache())

    def one(name: str) -> Callable[[], str]:
        return lambda: export_table(engine, actor, course, table=name, filters=filters, cache=_cache())

    st.download_button("All tables (ZIP, for analysts)", zipped, file_name="literacy-tables.zip",
                       mime="application/zip", key="download-zip", icon=":material/folder_zip:",
                       on_click="ignore")
    columns = st.columns(3)
    for index, (name, table) in enumerate(shown.items()):
        columns[index % 3].download_button(f"{table.title} (CSV)", one(name),
                                           file_name=f"literacy-{name}.csv", mime="text/csv",
                                           key=f"download-{name}", on_click="ignore")


def _settings(actor: Actor) -> None:
    """Let an administrator set the target and the organisation's name (the service checks again).

    Drawn in the sidebar before the first screen, so a saved target shows in the same run.
    """
    if Capability.ADMIN not in actor.grants.capabilities:
        return
    engine = resources.engine()
    current = get_dashboard_settings(engine)
    with st.sidebar, st.expander("Target and organisation name"), st.form("dashboard-settings"):
        target = st.number_input("Target literacy score (%)", min_value=1, max_value=100,
                                 value=current.target, step=1,
                                 help="Departments at or above it are on target.")
        name = st.text_input("Organisation name (on the board report)", value=current.organisation,
                             max_chars=120)
        if st.form_submit_button("Save target"):
            try:
                update_dashboard_settings(engine, actor, target=int(target), organisation=name)
            except SettingsError as problem:
                st.error(str(problem))
            else:
                st.success("Saved. The dashboard and the board report use the new target.")


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
    allowed = leader_filters(engine, actor)
    filters = _filters(course, scope, allowed)
    _settings(actor)
    try:
        board = get_dashboard(engine, actor, course, filters=filters, cache=_cache())
    except FilterRefused as refused:
        st.error(str(refused))
        return
    target = get_dashboard_settings(engine).target
    screen = first_screen(course, board, target=target, previous_days=filters.previous_days)

    def report() -> bytes:
        return board_report(engine, actor, course, filters=filters, cache=_cache(),
                            fallback_fonts=resources.settings().pdf_fallback_fonts)

    _first_screen(screen, report, links="competencies" in allowed)
    st.header("In detail", anchor=False)
    _drill_down(course, board, all_tables(course, board, target=target), filters)


render()
