"""The course map: every role's path, what each competency is assessed by, gaps and health."""

from __future__ import annotations

import streamlit as st

from course.domain.diagnostics import Severity
from course.domain.permissions import Page
from course.ui import a11y, auth, course_map_view, resources
from course.ui.text import literal


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
    a11y.page(course.info.title, kind="Course map")
    st.title(literal(course.info.title), anchor=False)
    st.caption(f"Version {literal(course.info.version)} · {len(course.modules)} modules · "
               f"{len(course.quizzes)} quizzes · {len(course.scenarios)} scenarios")
    if errors or warnings:
        st.warning(f"Content health: {errors} error(s) and {warnings} warning(s). Items with errors "
                   "are served at their last valid version until they are fixed; the content health "
                   "page lists every problem.")
    else:
        st.success("Content health: every file validates with no error or warning.")
    course_map_view.draw(course)


render()
