"""Search and glossary: find a module, section, quiz, scenario or term; read the whole glossary."""

from __future__ import annotations

from html import escape

import streamlit as st

from course.domain.model import Course
from course.domain.permissions import Page
from course.domain.wording import counted
from course.services.search import MAX_QUERY, Hit, HitKind, search_for_learner
from course.ui import a11y, auth, resources, state, widgets
from course.ui.links import script
from course.ui.text import literal

_WHERE = {HitKind.MODULE: (Page.MODULE, "Module"), HitKind.SECTION: (Page.MODULE, "Section"),
          HitKind.QUIZ: (Page.QUIZ, "Quiz"), HitKind.SCENARIO: (Page.SCENARIO, "Scenario")}


def _glossary(course: Course) -> None:
    """Draw every term and its definition as a description list, in alphabetical order."""
    a11y.heading("Glossary", level=2)
    if not course.glossary:
        st.caption("This course has no glossary.")
        return
    items = "".join(f'<dt id="term-{escape(e.id)}"><strong>{escape(e.term)}</strong></dt><dd>{e.html}</dd>'
                    for e in course.glossary)
    widgets.html(f"<dl>{items}</dl>")


def _hit(course: Course, hit: Hit) -> None:
    if hit.kind is HitKind.TERM:
        entry = next(e for e in course.glossary if e.id == hit.item_id)
        widgets.html(f"<p><strong>{escape(entry.term)}</strong> (glossary)</p>{entry.html}")
        return
    page, what = _WHERE[hit.kind]
    params = {"id": hit.item_id}
    label = f"{what}: {literal(hit.title)}"
    if hit.section is not None:
        params["section"] = str(hit.section)
        label += f" (in {literal(course.modules[hit.item_id].meta.title)})"
    st.page_link(script(page), label=label, query_params=params)
    if hit.snippet:
        st.caption(literal(hit.snippet))


def render() -> None:
    """Draw the search box, its results, and the glossary."""
    actor = auth.require_page(Page.SEARCH)
    a11y.page("Search and glossary")
    a11y.heading("Search and glossary")
    loaded = resources.course()
    if loaded.course is None:
        st.info("The course is not available right now.")
        return
    query = st.text_input("Search titles, sections and the glossary", key=state.SEARCH_QUERY.slot(),
                          max_chars=MAX_QUERY, placeholder="for example: holding statement")
    if query.strip():
        hits = search_for_learner(resources.engine(), actor, loaded.course, query)
        found = counted(len(hits), "result", "results")
        a11y.heading(found, level=2)
        a11y.say(f"{found} for {query}")
        for hit in hits:
            _hit(loaded.course, hit)
        if not hits:
            st.caption("Nothing matches every word. Try fewer or shorter words.")
    _glossary(loaded.course)


render()
