"""The module reader: one section at a time, each read saved, the quiz and scenario at the end."""

from __future__ import annotations

import streamlit as st

from course.domain.model import Course, Module
from course.domain.permissions import Page
from course.services.aids import aids_of
from course.services.learner import ModuleStatus, NotAvailable, get_person
from course.services.reading import mark_section_read, open_module
from course.ui import a11y, auth, resources, state, widgets
from course.ui.aids_view import law_banner, module_aids
from course.ui.certificates_view import announce_earned, certify_after_work
from course.ui.links import script
from course.ui.prerequisites import show_locked
from course.ui.text import literal


def _position(status: ModuleStatus) -> int:
    """Return the section to show: the one chosen in this session, else the first unread."""
    ids = (status.module.meta.id, status.module.meta.version)
    if not state.has(state.SECTION, *ids):
        unread = [s.index for s in status.module.sections if s.index not in status.sections_read]
        state.put(state.SECTION, *ids, value=unread[0] if unread else 0)
    return int(state.get(state.SECTION, *ids))


def _go(status: ModuleStatus, index: int) -> None:
    section = status.module.sections[index]
    a11y.step(f"Section {index + 1} of {len(status.module.sections)}: {section.title}")
    state.put(state.SECTION, status.module.meta.id, status.module.meta.version, value=index)


def _open_asked_section(status: ModuleStatus) -> None:
    """Open the section a link asked for (`?section=2`, from the search page), once."""
    asked = st.query_params.get("section")
    if asked is None:
        return
    del st.query_params["section"]  # kept, it would pull the reader back on every rerun
    if asked.isdigit() and int(asked) < len(status.module.sections):
        _go(status, int(asked))


def _contents(status: ModuleStatus, current: int) -> None:
    """List the sections; each is a button that opens it, with focus on its heading."""
    with st.expander("Contents"):
        for section in status.module.sections:
            read = section.index in status.sections_read
            said = [word for word, holds in (("read", read), ("you are here", section.index == current))
                    if holds]
            where = f" ({', '.join(said)})" if said else ""
            label = f"{section.index + 1}. {literal(section.title)}{where}"
            icon = ":material/check_circle:" if read else ":material/radio_button_unchecked:"
            if st.button(label, key=f"contents-{status.module.meta.id}-{section.index}", type="tertiary",
                         icon=icon) and section.index != current:
                _go(status, section.index)
                st.rerun()


def _next_steps(course: Course, module: Module) -> None:
    a11y.heading("Practise what you read", level=3)
    if module.quiz and module.quiz in course.quizzes:
        st.page_link(script(Page.QUIZ), label=f"Quiz: {literal(course.quizzes[module.quiz].meta.title)}",
                     query_params={"id": module.quiz}, icon=":material/quiz:")
    if module.scenario and module.scenario in course.scenarios:
        title = literal(course.scenarios[module.scenario].meta.title)
        st.page_link(script(Page.SCENARIO), label=f"Scenario: {title}",
                     query_params={"id": module.scenario}, icon=":material/alt_route:")
    st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")


def _section(status: ModuleStatus, index: int, tracks: tuple[str, ...]) -> None:
    module = status.module
    section = module.sections[index]
    st.caption(f"Section {index + 1} of {len(module.sections)}")
    a11y.heading(literal(section.title), level=2)
    for item in section.blocks_for(set(tracks)):
        widgets.block(item)


def _navigation(course: Course, status: ModuleStatus, index: int) -> bool:
    """Draw previous/next; record the read when the learner moves on. Return True when finished."""
    module = status.module
    last = index == len(module.sections) - 1
    back, forward = st.columns(2)
    with back:
        if index > 0 and st.button("Previous section", icon=":material/arrow_back:"):
            _go(status, index - 1)
            st.rerun()
    with forward:
        label = "Finish reading" if last else "Mark as read and continue"
        if st.button(label, type="primary", icon=":material/check:"):
            name = f"read:{module.meta.id}:{module.meta.version}:{index}"
            actor = auth.require_page(Page.MODULE)
            mark_section_read(resources.engine(), actor, course, module.meta.id, section_index=index,
                              key=widgets.action_key(name))
            widgets.used_key(name)
            if len(status.sections_read | {index}) >= len(module.sections):  # whichever section is last read
                certify_after_work(actor, course)
            if not last:
                _go(status, index + 1)
            else:
                a11y.step("Module read. Practise what you read next.", level=3)
            st.rerun()
    return last and index in status.sections_read


def render() -> None:
    """Draw the module reader."""
    actor = auth.require_page(Page.MODULE)
    loaded = resources.course()
    module_id = st.query_params.get("id", "")
    if loaded.course is None or not module_id:
        st.page_link(script(Page.HOME), label="Choose a module on your path", icon=":material/route:")
        return
    if module_id not in loaded.course.modules:
        st.warning("That module does not exist.")
        st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")
        return
    engine = resources.engine()
    try:
        status = open_module(engine, actor, loaded.course, module_id)
    except NotAvailable as exc:
        if exc.waiting_for:
            show_locked(loaded.course, loaded.course.modules[module_id].meta.title, exc.waiting_for)
        else:
            st.warning(literal(str(exc).capitalize()))
        st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")
        return
    person = get_person(engine, actor)
    _open_asked_section(status)
    a11y.page(status.module.meta.title, kind="Module")
    a11y.heading(literal(status.module.meta.title))
    announce_earned(actor, loaded.course)
    law_banner(status.module.meta)
    index = min(_position(status), len(status.module.sections) - 1)
    st.progress(len(status.sections_read) / len(status.module.sections),
                text=f"{len(status.sections_read)} of {len(status.module.sections)} sections read")
    _contents(status, index)
    _section(status, index, person.tracks)
    if _navigation(loaded.course, status, index) or status.read_all:
        _next_steps(loaded.course, status.module)
    module_aids(aids_of(loaded.course, status.module), loaded.course.info.title)


render()
