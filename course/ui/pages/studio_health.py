"""Content health: every diagnostic of the loaded course, grouped by file, and the stale items."""

from __future__ import annotations

import streamlit as st

from course.domain.diagnostics import Severity
from course.domain.permissions import Page
from course.services.studio_content import Health, get_health
from course.services.studio_media import MediaReport, get_media
from course.ui import a11y, auth, course_map_view, resources, tables
from course.ui.text import literal

EDITOR = "course/ui/pages/studio_editor.py"


def render() -> None:
    """Draw the content health page."""
    actor = auth.require_page(Page.STUDIO_HEALTH)
    result = resources.course()
    health = get_health(resources.engine(), actor, result, resources.last_valid(),
                        resources.settings().content_root)
    a11y.page("Content health")
    st.title("Content health", anchor=False)
    health_tab, map_tab = st.tabs(["Health", "Course map"])
    with health_tab:
        _health(health, loaded=result.course is not None)
        _media(get_media(resources.engine(), actor, resources.settings().content_root))
    with map_tab:
        if result.course is None:
            st.error("The course cannot be loaded: course.yaml has problems.")
        else:
            course_map_view.draw(result.course)


def _health(health: Health, *, loaded: bool) -> None:
    errors, warnings = st.columns(2)
    errors.metric("Errors", health.errors)
    warnings.metric("Warnings", health.warnings)
    st.caption(f"{health.file_count} file(s) checked · changes on disk are picked up on the next "
               "page load")
    if not loaded:
        st.error("The course cannot be loaded: course.yaml has problems.")
    elif not health.files:
        st.success("Content health: every file validates with no error or warning.")
    if health.stale:
        st.header("Served from their last valid version", anchor=False)
        st.caption("These files have errors; learners keep seeing the version that last validated.")
        tables.show([{"Item": s.id, "Kind": s.kind, "File": s.source, "Version served": s.version}
                      for s in health.stale], hide_index=True, width="stretch")
    if health.files:
        st.header("Problems by file", anchor=False)
    for found in health.files:
        icon = ":material/error:" if found.errors else ":material/warning:"
        label = f"{literal(found.path)} — {found.errors} error(s), {found.warnings} warning(s)"
        with st.expander(label, expanded=bool(found.errors), icon=icon):
            for diagnostic in found.diagnostics:
                say = st.error if diagnostic.severity is Severity.ERROR else st.warning
                say(literal(f"Line {diagnostic.line}: {diagnostic.message} [{diagnostic.code}]"))
            st.page_link(EDITOR, label="Open in the editor", icon=":material/edit:",
                         query_params={"file": found.path})


def _media(report: MediaReport) -> None:
    st.header("Media files", anchor=False)
    if not report.files:
        st.caption("The course has no media/ folder, or it is empty.")
        return
    if report.unused:
        names = ", ".join(entry.path for entry in report.unused)
        st.warning(f"{len(report.unused)} media file(s) that nothing uses: {names}. Link them from a "
                   "module, quiz or scenario, or delete them.")
    tables.show([{"File": e.path, "Kind": e.kind, "Size (KB)": round(e.size / 1024, 1),
                   "Used by": ", ".join(e.used_by) or "nothing"} for e in report.files],
                 hide_index=True, width="stretch")


render()
