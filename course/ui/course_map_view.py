"""The course map drawn from a loaded course: each role's path, coverage, and the gaps."""

from __future__ import annotations

import streamlit as st

from course.domain.model import Course
from course.domain.paths import coverage, path_for
from course.services.studio_content import THIN_PATH, find_gaps
from course.ui import tables
from course.ui.text import literal


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
