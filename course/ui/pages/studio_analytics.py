"""Learning from learners: which quiz questions and scenario decisions do not work, for trainers.

Every figure comes from the studio statistics service, which checks the permission on the server
and computes aggregates in SQL; no learner's name or single answer reaches this page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from course.charts import count_bar_figure, option_choice_figure, stacked_bar_figure
from course.domain.dashboard import Suppression
from course.domain.item_analysis import (
    FLAG_TEXT,
    GROUP_SHARE,
    MIN_ANSWERS,
    NEGATIVE_DISCRIMINATION_BELOW,
    TOO_EASY_ABOVE,
    TOO_HARD_BELOW,
)
from course.domain.model import Course
from course.domain.permissions import Actor, Page
from course.services.studio_stats import (
    ABANDONED_AFTER,
    ItemAnalysis,
    ItemReport,
    ScenarioAnalytics,
    StatsCache,
    get_item_analysis,
    get_scenario_analytics,
)
from course.ui import a11y, auth, resources, state, tables, widgets
from course.ui.item_history import show_history
from course.ui.text import literal

EDITOR = "course/ui/pages/studio_editor.py"
ALL_QUIZZES = "All quizzes"
CURRENT = "Current version"
ALL_DEPARTMENTS = "All departments"
ABANDONED = "Abandoned"
PLAYING = "Still being played"
ORDERS = ("Worst first", "Quiz order", "Lowest facility", "Lowest discrimination", "Most answers")
_CHART = {"displayModeBar": False}


def _cache() -> StatsCache:
    # Held for the process, where a browser's clear-cache message does not reach.
    return resources.stats_cache()


def _short(text: str, limit: int = 48) -> str:
    """Return text cut at a word to fit a chart label, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _sorted(items: tuple[ItemReport, ...], order: str) -> list[ItemReport]:
    if order == "Quiz order":
        return sorted(items, key=lambda i: (i.quiz_id, i.line or 0))
    if order == "Lowest facility":
        return sorted(items, key=lambda i: (i.stats.facility is None, i.stats.facility or 0.0))
    if order == "Lowest discrimination":
        return sorted(items, key=lambda i: (i.stats.discrimination is None, i.stats.discrimination or 0.0))
    if order == "Most answers":
        return sorted(items, key=lambda i: -i.stats.answers)
    return list(items)  # the service returns them worst first


def _row(item: ItemReport) -> dict[str, Any]:
    """One line of the table: the figures to compare; the rest is in the details below it."""
    stats = item.stats
    return {
        "Quiz": item.quiz_id,
        "Question": item.question_id,
        "Flags": "; ".join(FLAG_TEXT[f] for f in stats.flags) or "none",
        "Answers": stats.answers,
        "Right": widgets.percent(stats.facility),
        "Discrimination": _number(stats.discrimination),
        "Point-biserial": _number(stats.point_biserial),
    }


#: Each column's width and the plain words its header's tooltip gives.
_COLUMNS = {
    "Quiz": st.column_config.TextColumn("Quiz", width="small"),
    "Question": st.column_config.TextColumn("Question", width="small"),
    "Flags": st.column_config.TextColumn("Flags", width="medium",
                                         help="Why the question deserves a look, if it does"),
    "Answers": st.column_config.NumberColumn("Answers", width="small",
                                             help="How many times the question was answered"),
    "Right": st.column_config.TextColumn("Right", width="small",
                                         help="Facility: the share of answers that were right"),
    "Discrimination": st.column_config.TextColumn(
        "Discrimination", width="small",
        help="Share right among the best 27% of attempts minus among the weakest 27%; -1 to 1"),
    "Point-biserial": st.column_config.TextColumn(
        "Point-biserial", width="small",
        help="How closely getting this question right goes with doing well on the rest; -1 to 1"),
}

#: What each statistic means, in plain words, shown above the table.
EXPLAINED = (
    "**Right (facility)** is the share of answers to a question that were right: 80% means "
    "four answers in five were right. Every attempt counts, retakes included.\n\n"
    "**Discrimination** asks whether the question tells apart those who know from those who do "
    "not: the share right among the best attempts at the quiz minus the share right among the "
    "weakest. 0.3 or more is good, 0.1 to 0.3 usable; near 0 it separates no one; below 0 the "
    "strongest learners do worse than the weakest, which usually means a wrong key or an "
    "ambiguous stem.\n\n"
    "**Point-biserial** says the same from all answers rather than the two extremes: how closely "
    "getting this question right goes with doing well on the quiz's other questions, from -1 to "
    "1. Read it like discrimination.\n\n"
    "**Flags** point at questions worth a look: too easy, too hard, or the strongest learners "
    f"getting it wrong. Nothing is judged before {MIN_ANSWERS} answers."
)


def _method() -> None:
    """How each figure is computed, one click away."""
    with st.expander("How each figure is computed"):
        st.markdown(
            f"- **Answers, learners**: every answer to the question in this content version, and "
            f"the different people who gave them.\n"
            f"- **Right (facility)**: right answers divided by answers. An ordering or matching "
            f"answer counts as right only when every position or pair is right.\n"
            f"- **Upper and lower groups**: the attempts at this quiz version ranked by score; the "
            f"top {GROUP_SHARE:.0%} (rounded up) form the upper group, the bottom {GROUP_SHARE:.0%} "
            f"the lower group. Attempts tied on the score at a group's edge count in it in "
            f"proportion (if it needs 3 of 4 attempts scoring the same, each counts 3/4).\n"
            f"- **Discrimination**: the upper group's facility minus the lower group's, from -1 to "
            f"1. When a group never saw the question (quizzes that draw a few questions), the "
            f"point-biserial stands in for it.\n"
            f"- **Point-biserial (item-rest)**: the correlation between the question's score (1 or "
            f"0) and the number of right answers on the attempt's other questions, so the question "
            f"is not correlated with itself. Computed from five sums in the database; no single "
            f"answer leaves it. \"–\" when there is nothing to correlate.\n"
            f"- **Flags**: too few answers (fewer than {MIN_ANSWERS}; no other flag then); too "
            f"easy (facility above {TOO_EASY_ABOVE:.0%}); too hard (below {TOO_HARD_BELOW:.0%}); "
            f"the strongest get it wrong (discrimination below {NEGATIVE_DISCRIMINATION_BELOW:g}).\n"
            f"- **Worst first** orders judged questions by their flags (strongest-get-it-wrong, "
            f"then too hard, then too easy), then by discrimination, lowest first.\n"
            f"- **Versions**: statistics are kept per content version of the quiz file; after an "
            f"edit, choose the quiz and an earlier version to see the figures gathered before it."
        )


def _question_filters(engine: Any, actor: Actor, course: Course) -> tuple[str | None, str | None]:
    overview = get_item_analysis(engine, actor, course, cache=_cache())
    quizzes = sorted({v.quiz_id for v in overview.versions} | set(course.quizzes))
    left, right, third = st.columns(3)
    chosen = left.selectbox("Quiz", [ALL_QUIZZES, *quizzes], key="items-quiz")
    if chosen == ALL_QUIZZES:
        # No greyed-out control (its label would be unreadable): a sentence says how to get one.
        right.caption("Pick one quiz to see its earlier content versions.")
        version = CURRENT
    else:
        versions = [v.version for v in overview.versions if v.quiz_id == chosen and not v.current]
        version = right.selectbox("Version", [CURRENT, *versions], key="items-version",
                                  help="Statistics are kept apart per content version of the quiz.")
    third.radio("Order", ORDERS, key=state.ITEMS_ORDER.slot(), horizontal=False)
    return (None if chosen == ALL_QUIZZES else chosen), (None if version == CURRENT else version)


def _details(item: ItemReport) -> None:
    stats = item.stats
    st.markdown(f"**{literal(item.quiz_title)} · {literal(item.question_id)}**: {literal(item.stem)}")
    st.caption(
        f"Written at `{item.location}` (content version `{item.version}`"
        f"{', the one now loaded' if item.current else ', no longer loaded'})."
    )
    show_history(item)
    first, second, third, fourth = st.columns(4)
    first.metric("Right", widgets.percent(stats.facility), help="Share of answers that were right")
    second.metric("Discrimination", _number(stats.discrimination),
                  help="Upper group's share right minus the lower group's")
    third.metric("Point-biserial", _number(stats.point_biserial),
                 help="How closely this question goes with the rest of the quiz")
    fourth.metric("Mean time", "–" if stats.mean_seconds is None else f"{stats.mean_seconds:.0f} s",
                  help="Mean seconds from showing the question to answering it")
    fifth, sixth, seventh, eighth = st.columns(4)
    fifth.metric("Answers", str(stats.answers))
    sixth.metric("Learners", str(stats.learners))
    seventh.metric(f"Top {GROUP_SHARE:.0%} right", widgets.percent(stats.upper_facility),
                   help="Share right among the best-scoring attempts")
    eighth.metric(f"Bottom {GROUP_SHARE:.0%} right", widgets.percent(stats.lower_facility),
                  help="Share right among the lowest-scoring attempts")
    for flag in stats.flags:
        st.warning(FLAG_TEXT[flag].capitalize() + ".")
    if item.current and item.source:
        query = {"file": item.source} | ({"line": str(item.line)} if item.line else {})
        st.page_link(EDITOR, label=f"Edit this question ({literal(item.location)})", icon=":material/edit:",
                     query_params=query)
    if item.parts:
        _parts(item)
    if item.options:
        labels = [f"{o.index + 1}. {o.text[:80]}" for o in item.options]
        st.plotly_chart(
            option_choice_figure(labels, [o.chosen for o in item.options], [o.correct for o in item.options]),
            config=_CHART,
            key=f"options-{item.quiz_id}-{item.version}-{item.question_id}",
        )
        st.caption(
            f"How often each option was chosen, out of {stats.answers} answers by {stats.learners} "
            "learners; right options in green. An answer may choose several options."
        )


def _parts(item: ItemReport) -> None:
    """Show how often each position of an ordering, or pair of a matching, was right."""
    tables.show(
        [{"Position or pair": part.text, "Right": widgets.percent(part.facility), "Answers": part.answers}
         for part in item.parts],
        hide_index=True,
        key=f"parts-{item.quiz_id}-{item.version}-{item.question_id}",
    )
    st.caption(
        f"How often each position (ordering) or pair (matching) was right, out of {item.stats.answers} "
        f"answers by {item.stats.learners} learners. \"Right\" above counts only fully right answers."
    )


def _questions(engine: Any, actor: Actor, course: Course) -> None:
    quiz_id, version = _question_filters(engine, actor, course)
    analysis: ItemAnalysis = get_item_analysis(
        engine, actor, course, quiz_id=quiz_id, version=version, cache=_cache()
    )
    items = _sorted(analysis.items, str(state.get(state.ITEMS_ORDER, default=ORDERS[0])))
    if not items:
        st.info("No answers yet for this selection.")
        return
    tables.show([_row(i) for i in items], hide_index=True, column_config=_COLUMNS, width="stretch")
    answers = sum(i.stats.answers for i in items)
    flagged = sum(1 for i in items if i.stats.judged and i.stats.flags)
    st.caption(
        f"{len(items)} questions, {answers} answers in all; {flagged} flagged. Choose a question "
        "below for its groups, time, option choices and a link to its line in the editor."
    )
    # Offered by name, so that another quiz or version (other questions) starts again from the
    # worst of them rather than keeping a position in a list that has changed.
    by_name = {f"{i.quiz_id} · {i.question_id}": i for i in items}
    chosen = st.selectbox("Question details", list(by_name), key="items-detail")
    _details(by_name.get(str(chosen), items[0]))


def _chosen_scenario(engine: Any, actor: Actor, course: Course) -> ScenarioAnalytics:
    """Ask for a scenario, a version and a department; return their analytics."""
    left, middle, right = st.columns(3)
    scenario_id = left.selectbox(
        "Scenario",
        sorted(course.scenarios),
        key="scenario-id",
        format_func=lambda s: course.scenarios[s].meta.title,
    )
    overview = get_scenario_analytics(engine, actor, course, scenario_id=scenario_id, cache=_cache())
    versions = [v.version for v in overview.versions if not v.current]
    version = middle.selectbox("Version", [CURRENT, *versions], key="scenario-version")
    chosen_version = None if version == CURRENT else str(version)
    base = (
        overview
        if chosen_version is None
        else get_scenario_analytics(
            engine, actor, course, scenario_id=scenario_id, version=chosen_version, cache=_cache()
        )
    )
    department = right.selectbox(
        "Department", [ALL_DEPARTMENTS, *[d.department for d in base.departments]], key="scenario-department"
    )
    if base.hidden_departments:
        st.caption(
            f"{len(base.hidden_departments)} department(s) are not listed: fewer than "
            f"{base.min_group_size} of their learners played this version (or their figures would "
            "give such a department away). They count in the figures for all departments."
        )
    if department == ALL_DEPARTMENTS:
        return base
    return get_scenario_analytics(
        engine,
        actor,
        course,
        scenario_id=scenario_id,
        version=chosen_version,
        department=str(department),
        cache=_cache(),
    )


def _scenarios(engine: Any, actor: Actor, course: Course) -> None:
    if not course.scenarios:
        st.info("The course has no scenario.")
        return
    result = _chosen_scenario(engine, actor, course)
    if result.suppression is not Suppression.SHOWN:
        st.info(f"This department is hidden: fewer than {result.min_group_size} of its learners "
                "played this version, or its figures would give such a department away.")
        return
    first, second, third = st.columns(3)
    first.metric("Runs", str(result.runs))
    second.metric("Finished", str(result.finished))
    third.metric("Learners", str(result.learners))
    if not result.runs:
        st.info("Nobody has played this version yet.")
        return
    if result.hidden_rows:
        st.caption(f"{result.hidden_rows} row(s) below are left out: fewer than {result.min_group_size} "
                   "learners of this department are behind each of them.")
    who = "all departments" if result.department is None else f"the {literal(result.department)} department"
    _choices_and_stops(result, who)
    _loops_and_endings(result, who)


def _choices_and_stops(result: ScenarioAnalytics, who: str) -> None:
    st.markdown("**Choices taken**")
    st.plotly_chart(
        count_bar_figure(
            [f"{_short(c.node_title)} → {c.choice_index + 1}. {_short(c.label)}" for c in result.choices],
            [c.steps for c in result.choices],
            axis="Times taken",
        ),
        config=_CHART,
        key="scenario-choices",
    )
    st.caption(
        f"How often each choice was taken at each node: {result.decisions} decisions in {result.runs} runs "
        f"by {result.learners} learners of {who}. Long labels are shortened; the table has them whole."
    )
    with st.expander("Choices in full"):
        tables.show(
            [{"At": c.node_title, "Choice": f"{c.choice_index + 1}. {c.label}", "Leads to": c.target_node,
              "Taken": c.steps, "Learners": c.learners, "Mean seconds": round(c.mean_seconds, 1)}
             for c in result.choices],
            hide_index=True,
        )
    st.markdown("**Where learners stop**")
    if not result.quits:
        st.caption(f"Every one of the {result.runs} runs of {who} reached an ending.")
        return
    titles = [q.title for q in result.quits]
    abandoned = {a.title: a.runs for a in result.abandoned}
    playing = {p.title: p.runs for p in result.in_progress}
    st.plotly_chart(
        stacked_bar_figure(
            titles,
            {ABANDONED: [abandoned.get(t, 0) for t in titles], PLAYING: [playing.get(t, 0) for t in titles]},
            axis="Unfinished runs",
        ),
        config=_CHART,
        key="scenario-quits",
    )
    days = ABANDONED_AFTER.days
    st.caption(
        f"The node where each of the {result.runs - result.finished} unfinished runs of {who} stands: "
        f"abandoned ({sum(abandoned.values())}, no step for {days} days or more) or still being played "
        f"({sum(playing.values())}), out of {result.runs} runs."
    )


def _loops_and_endings(result: ScenarioAnalytics, who: str) -> None:
    st.markdown("**Loops**")
    if not result.loops:
        st.caption(f"None of the {result.runs} runs of {who} came back to a node it had already decided at.")
    else:
        _loops(result, who)
    _endings_and_time(result, who)


def _loops(result: ScenarioAnalytics, who: str) -> None:
    st.plotly_chart(
        count_bar_figure(
            [loop.title for loop in result.loops],
            [loop.runs for loop in result.loops],
            axis="Runs visiting it twice or more",
        ),
        config=_CHART,
        key="scenario-loops",
    )
    st.caption(
        f"{result.looping_runs} of {result.runs} runs of {who} came back to a node they had already "
        "decided at; by node."
    )


def _endings_and_time(result: ScenarioAnalytics, who: str) -> None:
    st.markdown("**Endings reached**")
    st.plotly_chart(
        count_bar_figure(
            [f"{e.title} ({e.kind})" for e in result.endings],
            [e.runs for e in result.endings],
            axis="Finished runs",
        ),
        config=_CHART,
        key="scenario-endings",
    )
    st.caption(f"Which ending each of the {result.finished} finished runs of {who} reached, by kind.")
    st.markdown("**Time to decide**")
    st.plotly_chart(
        count_bar_figure(
            [d.title for d in result.decision_time],
            [round(d.mean_seconds, 1) for d in result.decision_time],
            axis="Mean seconds",
        ),
        config=_CHART,
        key="scenario-time",
    )
    st.caption(f"Mean seconds from seeing a node to choosing, over {result.decisions} decisions of {who}.")


def render() -> None:
    """Draw the item analysis and scenario analytics."""
    actor = auth.require_page(Page.STUDIO_ANALYTICS)
    loaded = resources.course()
    a11y.page("Learning from learners")
    st.title("Learning from learners", anchor=False)
    if loaded.course is None:
        st.error("The course does not load; fix it from the health page first.")
        return
    st.caption(
        "Aggregates of every learner's answers and decisions, per content version; no individual is "
        "shown."
    )
    engine = resources.engine()
    st.header("Quiz questions", anchor=False)
    st.markdown(EXPLAINED)
    _method()
    _questions(engine, actor, loaded.course)
    st.header("Scenario decisions", anchor=False)
    _scenarios(engine, actor, loaded.course)


render()
