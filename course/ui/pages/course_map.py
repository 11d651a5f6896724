"""The course map: every role's path, what each competency is assessed by, and content health."""

from __future__ import annotations

import streamlit as st

from course.domain.diagnostics import Severity
from course.domain.paths import coverage, path_for
from course.domain.permissions import Page
from course.ui import auth, resources


def render() -> None:
    """Draw the course map page."""
    auth.require_page(Page.STUDIO_HEALTH)
    result = resources.course()
    course = result.course
    errors = sum(d.severity is Severity.ERROR for d in result.diagnostics)
    warnings = len(result.diagnostics) - errors
    if course is None:
        st.error("The course cannot be loaded: course.yaml has problems.")
        for diagnostic in result.diagnostics:
            st.code(diagnostic.format(), language=None)
        return
    st.title(course.info.title)
    st.caption(f"Version {course.info.version} · {len(course.modules)} modules · "
               f"{len(course.quizzes)} quizzes · {len(course.scenarios)} scenarios")
    if errors or warnings:
        st.warning(f"Content health: {errors} error(s) and {warnings} warning(s). Items with errors "
                   "are left out until they are fixed; run `python -m course validate` for details.")
    else:
        st.success("Content health: every file validates with no error or warning.")
    for role, label in course.info.roles.items():
        modules = path_for(course, {role})
        with st.expander(f"{label} — {len(modules)} modules", expanded=False):
            rows = [
                {"Order": m.meta.order, "Module": m.meta.title, "Minutes": m.meta.minutes,
                 "Quiz": "yes" if m.quiz else "", "Scenario": m.scenario or "",
                 "Competencies": ", ".join(m.meta.competencies)}
                for m in modules
            ]
            st.dataframe(rows, hide_index=True, width="stretch")
    st.subheader("What assesses each competency")
    counts = coverage(course)
    st.dataframe(
        [{"Competency": course.info.competencies.get(c, c), "Quiz questions": n["questions"],
          "Scenarios": n["scenarios"]} for c, n in counts.items()],
        hide_index=True, width="stretch",
    )


render()
