"""What a locked item waits for: the prerequisites a learner has still to finish, each a link."""

from __future__ import annotations

import streamlit as st

from course.domain.model import Course
from course.domain.permissions import Page
from course.ui.links import script
from course.ui.text import literal

_ICON = {Page.MODULE: ":material/menu_book:", Page.QUIZ: ":material/quiz:",
         Page.SCENARIO: ":material/alt_route:"}


def page_of(course: Course, item_id: str) -> Page | None:
    """Return the page that opens a module, quiz or scenario of the course (None if unknown)."""
    for page, table in ((Page.MODULE, course.modules), (Page.QUIZ, course.quizzes),
                        (Page.SCENARIO, course.scenarios)):
        if item_id in table:
            return page
    return None


def title_of(course: Course, item_id: str) -> str:
    """Return the title of a module, quiz or scenario, or its id when the course does not have it."""
    meta = course.item_meta(item_id)
    return meta.title if meta is not None else item_id


def show_locked(course: Course, title: str, waiting_for: tuple[str, ...]) -> None:
    """Say that `title` is locked and link each prerequisite still to finish, by its title."""
    st.warning(f"**{literal(title)}** opens once you finish:", icon=":material/lock:")
    for item_id in waiting_for:
        page = page_of(course, item_id)
        if page is None:  # the validator refuses such a course; say the id rather than drop it
            st.markdown(f"- {literal(item_id)}")
            continue
        st.page_link(script(page), label=literal(title_of(course, item_id)),
                     query_params={"id": item_id}, icon=_ICON[page])
