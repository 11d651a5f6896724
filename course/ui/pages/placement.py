"""The placement pre-check: a few questions per competency before the path starts, or skipped.

Its answers are a pre score, kept apart from quiz attempts; a competency answered right every
time fast-tracks the modules that teach only it (docs/learners.md says what that means).
"""

from __future__ import annotations

import random

import streamlit as st

from course.domain.model import Course
from course.domain.permissions import Actor, Page
from course.domain.placement import PrecheckItem
from course.domain.quiz import InvalidAnswer
from course.services.placement import (
    Placement,
    PrecheckTaken,
    get_placement,
    get_precheck,
    item_key,
    submit_precheck,
)
from course.ui import a11y, auth, question_view, resources, state, tables, widgets
from course.ui.links import script
from course.ui.text import literal

INTRO = ("Before you start, answer a few questions on what your path covers: two per skill, "
         "about five minutes in all. Nothing here counts against you. It records what you know "
         "before the course, so that your progress afterwards is measured honestly, and where you "
         "answer every question on a skill right, you may go straight to the quiz of the modules "
         "that teach only that skill.")


def _results(course: Course, placed: Placement) -> None:
    st.success("Thank you: your pre-check is recorded.")
    rows = [{"Skill": course.info.competencies.get(c, c), "Questions": count,
             "Right": widgets.percent(share), "Shown": "yes" if c in placed.shown else "not yet"}
            for c, (share, count) in placed.scores.items()]
    tables.show(rows, hide_index=True)
    if placed.fast_tracked:
        names = ", ".join(literal(course.modules[m].meta.title) for m in sorted(placed.fast_tracked)
                          if m in course.modules)
        st.info(f"Fast-tracked: {names}. For these modules, reading is optional: passing the quiz "
                "(and playing the scenario, where there is one) completes the module.")
    st.page_link(script(Page.HOME), label="Go to your path", icon=":material/route:")


def _ask(course: Course, actor: Actor, items: tuple[PrecheckItem, ...]) -> None:
    st.write(INTRO)
    if st.button("Skip the pre-check", icon=":material/skip_next:"):
        state.put(state.PRECHECK_SKIPPED, value=True)
        st.switch_page(script(Page.HOME))
    answers: dict[str, list[int]] = {}
    with st.form("precheck"):
        for number, item in enumerate(items, start=1):
            a11y.heading(f"Question {number} of {len(items)}", level=2)
            widgets.html(f"<p><strong>{item.question.stem_html}</strong></p>")
            widgets.html(item.question.context_html)
            # Options in an order of their own for this learner, the same on every rerun.
            indexes = [o.index for o in item.question.options]
            order = random.Random(f"{actor.person_id}:{item_key(item)}").sample(indexes, len(indexes))
            chosen = question_view.answer_widgets(item.question, order, prefix="pre-")
            answers[item_key(item)] = [c for c in chosen if c is not None]
        submitted = st.form_submit_button("Submit the pre-check", type="primary")
    if submitted:
        given = {key: chosen for key, chosen in answers.items() if chosen}
        try:
            submit_precheck(resources.engine(), actor, course, given)
        except (InvalidAnswer, PrecheckTaken):
            st.error("Your answers could not be accepted. Please reload the page.")
            return
        a11y.step("Your pre-check is recorded.", level=1)
        st.rerun()


def render() -> None:
    """Draw the pre-check, or what it showed once taken."""
    actor = auth.require_page(Page.PLACEMENT)
    loaded = resources.course()
    a11y.page("Pre-check")
    a11y.heading("A short pre-check")
    if loaded.course is None:
        st.error("The course is unavailable right now: its manifest has problems. A trainer has been told.")
        return
    course = loaded.course
    engine = resources.engine()
    placed = get_placement(engine, actor, course)
    if placed.taken:
        _results(course, placed)
        return
    items = get_precheck(engine, actor, course)
    if not items:
        st.info("Your path has no quiz questions to draw a pre-check from.")
        return
    _ask(course, actor, items)


render()
