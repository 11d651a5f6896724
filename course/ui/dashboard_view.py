"""Sections of the literacy dashboard page: each draws one part of an already-suppressed Dashboard.

Nothing here queries or filters by person: the service has scoped and suppressed the data. Each
section returns the figures it drew by name, so the page can offer them as PNG exports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import streamlit as st

from course.charts import (
    Figure,
    FlowLink,
    before_after_figure,
    count_bar_figure,
    heatmap_figure,
    sankey_figure,
    stacked_bar_figure,
    trend_figure,
)
from course.domain.dashboard import TOTAL, ChoiceFlow, Table, TrendPoint
from course.domain.model import Course, Scenario
from course.services.dashboard import Dashboard
from course.services.dashboard.shown import ShownTable
from course.services.plain_text import plain
from course.ui import tables, widgets
from course.ui.text import literal

#: Plotly's toolbar reduced to its one useful button here: save the chart as PNG in the browser.
CHART_CONFIG = {"displaylogo": False, "modeBarButtons": [["toImage"]]}
ALL_DEPARTMENTS = "All departments"

Figures = dict[str, Figure]


def label(course: Course, key: str) -> str:
    """Return the course's name for a competency or track, or the key itself."""
    return course.info.competencies.get(key, course.info.roles.get(key, key))


#: The key prefix of the box around each heatmap; the stylesheet (course/ui/a11y.py) lets it
#: scroll sideways on a narrow screen so that its cells keep their values.
HEATMAP_BOX = "nts-heatmap-"


def _chart(figure: Figure, *, key: str) -> None:
    st.plotly_chart(figure, config=CHART_CONFIG, key=key)


def heatmap(course: Course, table: Table, *, key: str, caption: str = "") -> Figure | None:
    """Draw a group x competency table as a heatmap whose hidden cells say so.

    When no cell can be shown, a sentence says why instead of an empty chart.
    """
    if not any(not c.suppressed and c.estimate is not None for c in table.cells):
        st.info("Every group here has fewer learners with answers than the minimum your administrator "
                "set, so no cell can be shown without pointing at individuals.",
                icon=":material/visibility_off:")
        return None
    values: list[list[float | None]] = []
    labels: list[list[str]] = []
    for row in table.rows:
        cells = [table.cell(row, c) for c in table.columns]
        values.append([c.estimate if c is not None else None for c in cells])
        labels.append(["no data" if c is None else "hidden" if c.suppressed else widgets.percent(c.estimate)
                       for c in cells])
    figure = heatmap_figure([label(course, r) for r in table.rows], [label(course, c) for c in table.columns],
                            values, labels=labels)
    with st.container(key=f"{HEATMAP_BOX}{key}"):
        _chart(figure, key=key)
    st.caption(caption or table.caption)
    return figure


def _first_few(titles: list[str], noun: str, *, shown: int = 3) -> str:
    """Return up to `shown` titles, then how many more there are."""
    more = len(titles) - shown
    return ", ".join(titles[:shown]) + (f" (and {more} more {noun})" if more > 0 else "")


def _teaching(course: Course, competency: str) -> tuple[list[str], list[str]]:
    """Return the modules and quizzes for a competency: those it leads first, then by title."""
    def rank(competencies: tuple[str, ...], title: str) -> tuple[int, str]:
        return competencies.index(competency), title

    modules = [m.meta for m in course.modules.values() if competency in m.meta.competencies]
    quizzes = [q.meta for q in course.quizzes.values() if competency in q.meta.competencies]
    return ([m.title for m in sorted(modules, key=lambda m: rank(m.competencies, m.title))],
            [q.title for q in sorted(quizzes, key=lambda q: rank(q.competencies, q.title))])


def train_next(course: Course, board: Dashboard, *, limit: int = 3) -> None:
    """Name the weakest competencies and the modules and quizzes that teach them, most focused first."""
    weakest = board.weakest_competencies[:limit]
    if not weakest:
        st.caption(f"No competency has evidence from {board.min_group_size} or more learners yet.")
        return
    for competency, estimate, learners in weakest:
        modules, quizzes = _teaching(course, competency)
        modules, quizzes = [literal(m) for m in modules], [literal(q) for q in quizzes]
        st.markdown(f"**{literal(label(course, competency))}**: {widgets.percent(estimate)} across "
                    f"{learners} learners. Start with: {_first_few(modules, 'modules') or 'no module yet'}"
                    + (f". Check with: {_first_few(quizzes, 'quizzes')}." if quizzes else "."))
    st.caption("Competencies ordered from the lowest organisation-wide estimate, each shown for at least "
               f"{board.min_group_size} learners; modules and quizzes that focus on it come first.")


def pre_post(course: Course, board: Dashboard, table: ShownTable) -> Figure | None:
    """Compare first answers with after practice (latest) per competency for everyone in scope."""
    totals = [p for p in board.pre_post if p.row == TOTAL and p.before is not None and p.after is not None]
    if not totals:
        st.caption(f"Too few learners ({board.min_group_size} needed per competency) have answered twice.")
        return None
    figure = before_after_figure([label(course, p.column) for p in totals],
                                 [p.before or 0.0 for p in totals], [p.after or 0.0 for p in totals])
    _chart(figure, key="chart-pre-post")
    st.caption(board.captions.get("pre_post", ""))
    with st.expander("As a table, by department"):
        tables.show(list(table.rows), hide_index=True)
    return figure


def pre_check(board: Dashboard, table: ShownTable | None) -> None:
    """Show, for learners who took the placement pre-check, its score against their first answers."""
    st.subheader("The pre-check and the course", anchor=False)
    shown = [p for p in board.pre_check if p.before is not None]
    if table is None or not shown:
        st.caption(f"Too few learners ({board.min_group_size} needed per group, with at least as many "
                   "who did not take it) have taken the pre-check to show this.")
        return
    st.caption("For learners who took the placement pre-check before their path: its score, and their "
               "literacy score from first answers in the course, per competency. The pre-check never "
               "counts in the literacy score. A group is shown when it has at least "
               f"{board.min_group_size} learners and the rest of its department is none or at least as many.")
    tables.show(list(table.rows), hide_index=True)


def trend(
    course: Course, board: Dashboard, points: Iterable[TrendPoint], *, by: str, period: str
) -> Figure | None:
    """Draw one line per group for the chosen competency, over the periods."""
    shown = [p for p in points if p.estimate is not None]
    competencies = sorted({p.competency for p in shown}, key=lambda c: label(course, c))
    if not competencies:
        st.caption(f"No {by} has {board.min_group_size} or more learners answering in any period yet.")
        return None
    chosen = st.selectbox("Competency for the trend", competencies, format_func=lambda c: label(course, c),
                          key=f"trend-competency-{by}")
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for point in shown:
        if point.competency == chosen and point.estimate is not None:
            series[label(course, point.department)].append((point.period, point.estimate))
    figure = trend_figure(dict(sorted(series.items())), period=period)
    _chart(figure, key=f"chart-trend-{by}")
    return figure


def completion(board: Dashboard, table: ShownTable, *, overdue_days: int) -> Figure | None:
    """Show learners by status per department (counts only), as bars and a table."""
    shown = [c for c in board.completion if c.learners is not None and c.department != TOTAL]
    figure = None
    if shown:
        figure = stacked_bar_figure(
            [c.department for c in shown],
            {"Not started": [c.not_started or 0 for c in shown],
             "In progress": [c.in_progress or 0 for c in shown],
             "Completed": [c.completed or 0 for c in shown]},
            axis="Learners",
        )
        _chart(figure, key="chart-completion")
    tables.show(list(table.rows), hide_index=True)
    st.caption(board.captions.get("completion", "") + " Overdue: not completed and on the roster longer "
               f"than {overdue_days} days.")
    return figure


def _title(scenario: Scenario | None, node_id: str) -> str:
    return scenario.title_of(node_id) if scenario is not None else node_id


def _choice_text(scenario: Scenario | None, flow: ChoiceFlow) -> str:
    choice = scenario.choice(flow.node_id, flow.choice_index) if scenario is not None else None
    if choice is None:
        return f"choice {flow.choice_index + 1}"
    return choice.label_text or plain(choice.label_html)


def scenario_decisions(course: Course, board: Dashboard) -> Figures:
    """Show a scenario's flow of choices, its wrong turns and its endings, for one group."""
    played: dict[str, int] = defaultdict(int)  # decisions by everyone in scope: most played first
    for flow in board.flows:
        played[flow.scenario_id] += flow.steps if flow.department == TOTAL else 0
    scenarios = sorted({f.scenario_id for f in board.flows} | {e.scenario_id for e in board.endings},
                       key=lambda s: (-played[s], s))
    if not scenarios:
        st.caption("No scenario has been played by enough learners in one department to show its flow.")
        return {}
    left, right = st.columns(2)
    chosen = left.selectbox("Scenario", scenarios, format_func=lambda s: course.scenarios[s].meta.title
                            if s in course.scenarios else s)
    groups = sorted({f.department for f in board.flows if f.scenario_id == chosen} - {TOTAL})
    group = right.selectbox("Learners", [ALL_DEPARTMENTS, *groups])
    wanted = TOTAL if group == ALL_DEPARTMENTS else group
    who = "all departments" if wanted == TOTAL else f"the {literal(group)} department"
    scenario = course.scenarios.get(chosen)
    flows = [f for f in board.flows if f.scenario_id == chosen and f.department == wanted]
    figures: Figures = {}
    if flows:
        links: dict[tuple[str, str, bool], int] = defaultdict(int)
        for flow in flows:
            link = (_title(scenario, flow.node_id), _title(scenario, flow.target_node), flow.wrong)
            links[link] += flow.learners
        figures["scenario-flow"] = sankey_figure([FlowLink(a, b, n, w) for (a, b, w), n in links.items()])
        _chart(figures["scenario-flow"], key="chart-sankey")
        decisions = sum(f.steps for f in flows)
        st.caption(board.captions.get("flows", "") + f" Shown: {decisions} decisions of {who}. "
                   "Red links are wrong turns: choices the scenario scores below the best one at that "
                   "point.")
        _wrong_turns(scenario, flows)
    else:
        st.caption(f"Fewer than {board.min_group_size} learners of this group played it.")
    endings = [e for e in board.endings if e.scenario_id == chosen and e.department == wanted]
    if endings:
        figures["scenario-endings"] = count_bar_figure(
            [f"{_title(scenario, e.ending_node)} ({e.ending_kind or 'ending'})" for e in endings],
            [e.runs for e in endings], axis="Finished runs")
        _chart(figures["scenario-endings"], key="chart-endings")
        runs = sum(e.runs for e in endings)
        st.caption(board.captions.get("endings", "") + f" Shown: {runs} finished runs of {who}.")
    return figures


def _wrong_turns(scenario: Scenario | None, flows: list[ChoiceFlow]) -> None:
    at_node: dict[str, int] = defaultdict(int)
    for flow in flows:
        at_node[flow.node_id] += flow.steps
    wrong = sorted((f for f in flows if f.wrong),
                   key=lambda f: (-f.steps / max(1, at_node[f.node_id]), f.node_id))
    if not wrong:
        st.caption("Everyone in this group took the best-scored choice at every point.")
        return
    st.markdown("**Where learners go wrong**")
    tables.show([{"At": _title(scenario, f.node_id), "Choice": _choice_text(scenario, f),
                   "Share of decisions there": widgets.percent(f.steps / max(1, at_node[f.node_id])),
                   "Learners": f.learners} for f in wrong[:8]], hide_index=True)


def weakest_questions(board: Dashboard, table: ShownTable) -> None:
    """List the questions answered correctly least often, with their wording."""
    if not table.rows:
        st.caption(f"No question has been answered by {board.min_group_size} or more learners yet.")
        return
    tables.show(list(table.rows), hide_index=True)
    st.caption(board.captions.get("questions", ""))
