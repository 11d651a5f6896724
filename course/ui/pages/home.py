"""Home: the learner's path for their tracks, what is next, and overall progress."""

from __future__ import annotations

import streamlit as st

from course.domain.assignments import Standing, TargetKind
from course.domain.model import Course
from course.domain.permissions import Page
from course.services.aids import aids_for_modules
from course.services.assignments import DueItem, my_assignments
from course.services.learner import ModuleState, ModuleStatus, PathView, get_path, get_person
from course.services.placement import precheck_offered
from course.ui import a11y, auth, resources, state
from course.ui.aids_view import path_aids
from course.ui.links import script
from course.ui.prerequisites import title_of
from course.ui.text import literal

_STATE_ICON = {
    ModuleState.DONE: ":material/check_circle:",
    ModuleState.IN_PROGRESS: ":material/pending:",
    ModuleState.NOT_STARTED: ":material/radio_button_unchecked:",
    ModuleState.LOCKED: ":material/lock:",
}


def _module_row(course: Course, status: ModuleStatus) -> None:
    meta = status.module.meta
    with st.container(border=True):
        st.markdown(f"{_STATE_ICON[status.state]} **{literal(meta.title)}**")
        st.caption(f"{meta.minutes or '?'} min · {status.state.value} · {literal(meta.summary)}")
        parts = [f"read {len(status.sections_read)} of {len(status.module.sections)} sections"]
        if status.quiz_passed is not None:
            parts.append("quiz passed" if status.quiz_passed else "quiz not passed yet")
        if status.scenario_done is not None:
            parts.append("scenario played" if status.scenario_done else "scenario not played yet")
        st.caption(" · ".join(parts))
        if status.state is ModuleState.LOCKED:
            names = ", ".join(literal(title_of(course, r)) for r in status.waiting_for)
            st.caption(f"Unlocks after: {names}")
        if status.unlocked:  # the link says where it goes: "Open Spotting fakes", not "Open"
            verb = "Review" if status.state is ModuleState.DONE else "Open"
            st.page_link(script(Page.MODULE), label=f"{verb} {literal(meta.title)}",
                         query_params={"id": meta.id}, icon=":material/arrow_forward:")


_STANDING = {Standing.DUE: ("due", ":material/event:"), Standing.OVERDUE: ("overdue", ":material/warning:"),
             Standing.DONE: ("done", ":material/check_circle:")}


_PIECE_PAGES = {"module": Page.MODULE, "quiz": Page.QUIZ, "scenario": Page.SCENARIO}


def _target_link(course: Course, item: DueItem, path: PathView) -> tuple[Page, str] | None:
    """Return where an assigned item opens: its module or scenario, or a track's next piece of work."""
    if item.retake_next is not None:  # a re-take: the first quiz or scenario to do again
        return _PIECE_PAGES[item.retake_next[0]], item.retake_next[1]
    if item.kind is TargetKind.MODULE:
        return Page.MODULE, item.target_id
    if item.kind is TargetKind.SCENARIO:
        return Page.SCENARIO, item.target_id
    return path.next_step()


def _assigned(course: Course, items: list[DueItem], path: PathView) -> None:
    """List what is assigned: due, then overdue, then done, each with its date and a link."""
    if not items:
        return
    st.header("Assigned to you", anchor=False)
    for item in items:
        label, icon = _STANDING[item.standing]
        date_text = f"{item.due_on:%d %B %Y}".lstrip("0")
        with st.container(border=True):
            left, right = st.columns([5, 1])
            left.markdown(f"{icon} **{literal(item.title)}**")
            when = "was due" if item.standing is Standing.OVERDUE else "due"
            left.caption(f"{label.capitalize()} · {when} {date_text} · {item.completion.value}")
            if item.cycle and item.standing is not Standing.DONE:
                left.caption(f"Re-take {item.cycle}: pass the quizzes and play the scenarios again; "
                             "what you have read stays read.")
            target = _target_link(course, item, path)
            if target is not None and item.standing is not Standing.DONE:
                right.page_link(script(target[0]), label="Open", query_params={"id": target[1]},
                                icon=":material/arrow_forward:")


def _summary(course: Course, path: PathView) -> None:
    total = len(path.modules)
    st.progress(path.done / total if total else 0.0,
                text=f"{path.done} of {total} modules done · about {path.minutes_left} minutes left")
    step = path.next_step()
    if step is not None:  # straight to what is left: the unread section, the quiz or the scenario
        page, item_id = step
        meta = course.item_meta(item_id)
        minutes = meta.minutes if meta is not None else None
        st.info(f"Next up: **{literal(title_of(course, item_id))}** ({minutes or '?'} min)")
        st.page_link(script(page), label=f"Continue {literal(title_of(course, item_id))}",
                     query_params={"id": item_id}, icon=":material/play_arrow:")
    elif total:
        st.success("You have completed every module of your path.")


def _offer_precheck() -> None:
    with st.container(border=True):
        st.markdown("**Before you start: a five-minute pre-check**")
        st.caption("A few questions on what your path covers. It records what you know now, and "
                   "where you already know a skill you may go straight to the quizzes that test it.")
        left, right = st.columns(2)
        with left:
            st.page_link(script(Page.PLACEMENT), label="Take the pre-check", icon=":material/checklist:")
        with right:
            if st.button("Not now", key="precheck-not-now"):
                state.put(state.PRECHECK_SKIPPED, value=True)
                st.rerun()


def render() -> None:
    """Draw the learner's home page."""
    actor = auth.require_page(Page.HOME)
    engine = resources.engine()
    loaded = resources.course()
    # Only learners reach this page (the permission table); their path carries their record: one
    # read of it per rerun, not two.
    path = get_path(engine, actor, loaded.course) if loaded.course is not None else None
    person = path.person if path is not None else get_person(engine, actor)
    a11y.page("Your path")
    a11y.heading(f"Welcome, {literal(person.name)}")
    if loaded.course is None or path is None:
        st.error("The course is unavailable right now: its manifest has problems. A trainer has been told.")
        return
    course = loaded.course
    tracks = ", ".join(literal(course.info.roles.get(t, t)) for t in person.tracks) or "foundations only"
    st.caption(f"Your tracks: {tracks}")
    _assigned(course, my_assignments(engine, actor, course), path)
    if precheck_offered(path) and not state.get(state.PRECHECK_SKIPPED, default=False):
        _offer_precheck()
    _summary(course, path)
    st.header("Your path", anchor=False)
    for status in path.modules:
        _module_row(course, status)
    path_aids(aids_for_modules(course, [s.module for s in path.modules]), course.info.title)
    st.page_link(script(Page.PROFILE), label="See your literacy profile", icon=":material/insights:")


render()
