"""The course map drawn from a loaded course: each role's path, coverage, and the gaps."""

from __future__ import annotations

import streamlit as st

from course import charts
from course.domain.course_map import EdgeKind, NodeKind, TrackMap, summary, track_map
from course.domain.model import Course
from course.domain.paths import coverage, path_for
from course.services.studio_content import THIN_PATH, find_gaps
from course.ui import tables
from course.ui.dashboard_view import CHART_CONFIG
from course.ui.text import literal

#: The select that chooses which track's map is drawn.
TRACK_KEY = "nts_course_map_track"


def draw(course: Course) -> None:
    """Draw every role's path, what assesses each competency, and the gaps of the course."""
    gaps = find_gaps(course)
    st.header("Gaps", anchor=False)
    if not gaps.unassessed and not gaps.thin_roles:
        st.success(f"Every competency is assessed and every role's path has at least {THIN_PATH} modules.")
    for competency in gaps.unassessed:
        name = literal(course.info.competencies.get(competency, competency))
        st.warning(f"Nothing assesses competency {name} ({literal(competency)}): no quiz question and no "
                   "scenario.")
    for role, count in gaps.thin_roles:
        st.warning(f"The {literal(course.info.roles.get(role, role))} path is thin: {count} module(s), "
                   f"fewer than {THIN_PATH}.")
    if course.info.roles:
        graph(course)
    st.header("Each role's path", anchor=False)
    for role, label in course.info.roles.items():
        modules = path_for(course, {role})
        with st.expander(f"{literal(label)} — {len(modules)} modules", expanded=False):
            rows = [
                {"Order": m.meta.order, "Module": m.meta.title, "Minutes": m.meta.minutes,
                 "Quiz": "yes" if m.quiz else "", "Scenario": m.scenario or "",
                 "Competencies": ", ".join(m.meta.competencies)}
                for m in modules
            ]
            tables.show(rows, hide_index=True, width="stretch")
    st.header("What assesses each competency", anchor=False)
    counts = coverage(course)
    tables.show(
        [{"Competency": course.info.competencies.get(c, c), "Quiz questions": n["questions"],
          "Scenarios": n["scenarios"]} for c, n in counts.items()],
        hide_index=True, width="stretch",
    )


def graph(course: Course) -> None:
    """Draw one track's map as a graph, with a sentence and a table that say the same in words."""
    st.header("Each track as a map", anchor=False)
    role = st.selectbox("Track", list(course.info.roles), key=TRACK_KEY,
                        format_func=lambda r: course.info.roles.get(r, r))
    track = track_map(course, role or next(iter(course.info.roles)))
    if not track.nodes:
        st.info(f"No module is written for the {literal(track.label)} track yet, so there is nothing "
                "to draw.")
        return
    st.markdown(literal(summary(track)))
    st.caption("Columns run left to right: an item sits to the right of everything it needs. "
               "Blue arrows are prerequisites, grey arrows lead from a module to its own quiz and "
               "scenario, and red marks a problem.")
    for problem in track.problems:
        st.warning(literal(problem))
    st.plotly_chart(charts.course_map_figure(track), config=CHART_CONFIG, key=f"nts-map-{track.role}")
    with st.expander("As a table"):
        tables.show(_rows(track), hide_index=True, width="stretch")


def _rows(track: TrackMap) -> list[dict[str, object]]:
    """Return one row per node: where it sits, what it is, what it needs and what is wrong."""
    needs: dict[str, list[str]] = {}
    titles = {n.id: n.title for n in track.nodes}
    for edge in track.edges:
        if edge.kind is EdgeKind.REQUIRES:
            needs.setdefault(edge.target, []).append(titles[edge.source])
    parent = {e.target: titles[e.source] for e in track.edges if e.kind is EdgeKind.ATTACHED}
    kinds = {NodeKind.MODULE: "Module", NodeKind.QUIZ: "Quiz", NodeKind.SCENARIO: "Scenario",
             NodeKind.OFF_TRACK: "Not on this track"}
    return [{"Column": n.layer + 1, "Step": n.step or "", "Item": n.title, "Kind": kinds[n.kind],
             "Belongs to": parent.get(n.id, ""), "Requires": ", ".join(needs.get(n.id, [])),
             "Problem": " ".join(n.problems)} for n in track.nodes]
