"""The literacy dashboard: where the organisation stands, by department and competency.

Everything shown comes from the dashboard service, already limited to the leader's departments
and with small groups suppressed on the server; no person's name or answer reaches this page.
"""

from __future__ import annotations

from collections import defaultdict

import streamlit as st

from course.charts import heatmap_figure, sankey_figure, trend_figure
from course.domain.dashboard import Table
from course.domain.model import Course
from course.domain.permissions import Page
from course.services.dashboard import (
    EXPORTABLE,
    Dashboard,
    DashboardCache,
    Filters,
    export_csv,
    get_dashboard,
)
from course.ui import auth, resources, widgets


@st.cache_resource
def _cache() -> DashboardCache:
    return DashboardCache()


def _filters(course: Course, departments: tuple[str, ...]) -> Filters:
    with st.sidebar:
        st.subheader("Filters")
        chosen = st.multiselect("Departments", departments)
        tracks = st.multiselect("Tracks", list(course.info.roles), format_func=lambda r: _label(course, r))
        competencies = st.multiselect("Competencies", list(course.info.competencies),
                                      format_func=lambda c: _label(course, c))
        period = st.radio("Trend by", ["week", "month"], horizontal=True)
    return Filters(departments=tuple(chosen) or None, tracks=tuple(tracks) or None,
                   competencies=tuple(competencies) or None, period=str(period))


def _label(course: Course, key: str) -> str:
    return course.info.competencies.get(key, course.info.roles.get(key, key))


def _heatmap(course: Course, table: Table, *, key: str) -> None:
    values: list[list[float | None]] = []
    labels: list[list[str]] = []
    for row in table.rows:
        cells = [table.cell(row, c) for c in table.columns]
        values.append([c.estimate if c is not None else None for c in cells])
        labels.append(["no data" if c is None else "hidden" if c.suppressed else widgets.percent(c.estimate)
                       for c in cells])
    st.plotly_chart(heatmap_figure(table.rows, [_label(course, c) for c in table.columns], values,
                                   labels=labels), config={"displayModeBar": False}, key=key)
    st.caption(table.caption)


def _headline(board: Dashboard) -> None:
    head = board.headline
    first, second, third = st.columns(3)
    change = None if head.change is None else f"{round(head.change * 100):+d} points"
    first.metric("Organisation literacy", widgets.percent(head.score), change)
    second.metric("Learners", "–" if head.learners is None else str(head.learners))
    third.metric("Participation", widgets.percent(head.participation))
    st.caption(head.caption)


def _trend(course: Course, board: Dashboard) -> None:
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for point in board.trend:
        if point.estimate is not None:
            name = f"{point.department} · {_label(course, point.competency)}"
            series[name].append((point.period, point.estimate))
    if series:
        st.plotly_chart(trend_figure(dict(series)), config={"displayModeBar": False})
    st.caption(board.captions.get("trend", ""))


def _scenario_flows(course: Course, board: Dashboard) -> None:
    scenarios = sorted({f.scenario_id for f in board.flows})
    if not scenarios:
        st.caption("No scenario has been played by enough learners in one department to show its flow.")
        return
    chosen = st.selectbox("Scenario", scenarios, format_func=lambda s: course.scenarios[s].meta.title
                          if s in course.scenarios else s)
    scenario = course.scenarios.get(chosen)

    def title(node_id: str) -> str:
        return scenario.nodes[node_id].title if scenario and node_id in scenario.nodes else node_id

    totals: dict[tuple[str, str, bool], int] = defaultdict(int)
    for flow in board.flows:
        if flow.scenario_id == chosen:
            totals[(title(flow.node_id), title(flow.target_node), flow.wrong)] += flow.learners
    st.plotly_chart(sankey_figure([(a, b, n, w) for (a, b, w), n in totals.items()]),
                    config={"displayModeBar": False})
    st.caption(board.captions.get("flows", "") + " Red links are decisions scored as harmful.")


def _downloads(course: Course, filters: Filters) -> None:
    actor = auth.require_page(Page.DASHBOARD)
    st.subheader("Exports")
    st.caption("Every export applies the same suppression as the page.")
    columns = st.columns(4)
    for index, table in enumerate(EXPORTABLE):
        with columns[index % 4]:
            if st.button(f"Prepare {table} CSV", key=f"export-{table}"):
                data = export_csv(resources.engine(), actor, course, table=table, filters=filters,
                                  cache=_cache())
                st.download_button(f"Download {table}.csv", data, file_name=f"literacy-{table}.csv",
                                   mime="text/csv", key=f"download-{table}")


def render() -> None:
    """Draw the leadership dashboard."""
    actor = auth.require_page(Page.DASHBOARD)
    course = resources.course().course
    st.title("Literacy dashboard")
    if course is None:
        st.error("The course is unavailable right now.")
        return
    engine = resources.engine()
    scope = get_dashboard(engine, actor, course, cache=_cache()).departments
    filters = _filters(course, scope)
    board = get_dashboard(engine, actor, course, filters=filters, cache=_cache())
    st.caption(f"Groups smaller than {board.min_group_size} learners are hidden, with any cell that "
               "would let a hidden one be worked out. No individual is shown.")
    _headline(board)
    st.subheader("Competency by department")
    _heatmap(course, board.by_department, key="heat-department")
    with st.expander("Competency by track"):
        _heatmap(course, board.by_track, key="heat-track")
    if board.by_level is not None:
        with st.expander("Competency by management level"):
            _heatmap(course, board.by_level, key="heat-level")
    st.subheader("Trend")
    _trend(course, board)
    st.subheader("Completion")
    st.dataframe([{"Department": c.department, "Learners": c.learners, "Not started": c.not_started,
                   "In progress": c.in_progress, "Completed": c.completed, "Overdue": c.overdue}
                  for c in board.completion], hide_index=True)
    st.caption(board.captions.get("completion", ""))
    st.subheader("Scenario decisions")
    _scenario_flows(course, board)
    st.subheader("Weakest questions: what to train next")
    st.dataframe([{"Quiz": q.quiz_id, "Question": q.question_id, "Competency": _label(course, q.competency),
                   "Answered": q.answers, "Right": widgets.percent(q.facility)}
                  for q in board.weakest_questions], hide_index=True)
    st.caption(board.captions.get("questions", ""))
    _downloads(course, filters)


render()
