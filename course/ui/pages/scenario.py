"""The scenario player: the story, the meters, the choices on offer, consequences and the debrief."""

from __future__ import annotations

import time

import streamlit as st

from course.domain.model import Course, EndingKind, Scenario
from course.domain.permissions import Page
from course.domain.scenario import InvalidChoice, available_choices, current_node
from course.services.learner import NotAvailable
from course.services.playing import RunView, choose, get_record, open_run, start_new_run
from course.ui import a11y, auth, resources, scenario_view, state, widgets
from course.ui.certificates_view import announce_earned, certify_after_work
from course.ui.links import script
from course.ui.text import literal

_ENDINGS = {EndingKind.GOOD: st.success, EndingKind.MIXED: st.warning, EndingKind.BAD: st.error}
_ENDING_WORDS = {EndingKind.GOOD: "A good ending", EndingKind.MIXED: "A mixed ending",
                 EndingKind.BAD: "A bad ending"}
#: The container the choices are drawn in; its buttons' long labels read from the left, like text.
_CHOICES = "nts-choices"
_CHOICES_STYLE = (f"<style>.st-key-{_CHOICES} button, .st-key-{_CHOICES} button > div,"
                  f" .st-key-{_CHOICES} button p {{justify-content: flex-start !important;"
                  " text-align: left !important;}</style>")


def _intro(course: Course, scenario: Scenario) -> None:
    """Before a run: what the scenario is about, what it practises, how long it takes, its meters."""
    meta = scenario.meta
    if meta.summary:
        st.markdown(literal(meta.summary))
    if meta.minutes:
        st.caption(f"About {meta.minutes} minutes")
    widgets.html(scenario.intro_html)
    if meta.objectives:
        a11y.heading("What you will practise", level=2)
        st.markdown("\n".join(f"- {literal(objective)}" for objective in meta.objectives))
    if scenario.meters:
        a11y.heading("The meters", level=2)
        st.markdown("Each choice you make can move these meters up or down. They show how your "
                    "decisions land, scene by scene.")
        st.markdown("\n".join(f"- **{literal(m.label)}**: starts at {m.start}, on a scale from {m.min} "
                              f"to {m.max}" for m in scenario.meters.values()))
    record = get_record(resources.engine(), auth.require_page(Page.SCENARIO), scenario.meta.id)
    if record.finished:
        st.caption(f"Played {record.finished} time(s) · best score {widgets.percent(record.best)}")
    if st.button("Start the scenario" if not record.finished else "Play again", type="primary"):
        _begin(course, scenario, "Scenario started.")


def _begin(course: Course, scenario: Scenario, said: str) -> None:
    """Start a new run at once and show its first scene."""
    name = f"run:{scenario.meta.id}"
    actor = auth.require_page(Page.SCENARIO)
    start_new_run(resources.engine(), actor, course, scenario.meta.id, key=widgets.action_key(name))
    widgets.used_key(name)
    state.take(state.SCENARIO_DONE, scenario.meta.id)
    a11y.step(f"{said} {scenario.nodes[scenario.start].title}.")
    st.rerun()


def _consequence(run: RunView) -> None:
    if not run.state.steps:
        return
    last = run.state.steps[-1]
    choice = run.scenario.nodes[last.node_id].choices[last.choice_index]
    if choice.consequence_html:
        with st.container(border=True):
            st.markdown(f":material/subdirectory_arrow_right: **You chose:** {literal(choice.label_text)}")
            widgets.html(choice.consequence_html)


def _choices(course: Course, run: RunView) -> None:
    offered = available_choices(run.scenario, run.state)
    started = state.keep_first(state.NODE_SHOWN, run.run_id, len(run.state.steps), value=time.time())
    if not offered:
        st.warning("No choice is open to you here. Start the scenario again to try another path.")
        return
    st.markdown("**What do you do?**")
    st.html(_CHOICES_STYLE)
    with st.container(key=_CHOICES):
        for choice in offered:
            if st.button(literal(choice.label_text), width="stretch",
                         key=f"choice-{run.run_id}-{len(run.state.steps)}-{choice.index}"):
                _take(course, run, choice.index, started)


def _take(course: Course, run: RunView, index: int, started: float) -> None:
    actor = auth.require_page(Page.SCENARIO)
    name = f"step:{run.run_id}:{len(run.state.steps) + 1}"
    try:
        after = choose(resources.engine(), actor, course, run.scenario.meta.id, run_id=run.run_id,
                       step_no=len(run.state.steps) + 1, choice_index=index,
                       key=widgets.action_key(name), seconds=time.time() - started)
        if after.ending is not None:
            state.end_attempt(run.run_id)
            state.put(state.SCENARIO_DONE, run.scenario.meta.id, value=after)
            certify_after_work(actor, course)
        a11y.step(_said(run, after, index))
    except InvalidChoice:
        st.error("That choice is no longer open. The page has been refreshed.")
    widgets.used_key(name)
    st.rerun()


def _said(before: RunView, after: RunView, index: int) -> str:
    """Say the choice, its consequence, each meter's change and the new situation."""
    scenario = before.scenario
    choice = scenario.nodes[current_node(scenario, before.state).id].choices[index]
    labels = {meter.id: meter.label for meter in scenario.meters.values()}
    starts = {meter.id: meter.start for meter in scenario.meters.values()}
    moved = a11y.meter_changes(labels, {**starts, **before.state.meters}, {**starts, **after.state.meters})
    now = current_node(scenario, after.state).title
    ending = ""
    if after.ending is not None:
        ending = f" {_ENDING_WORDS[after.ending]}: your decisions scored {widgets.percent(after.score)}."
    return (f"You chose: {choice.label_text}. {a11y.text_of(choice.consequence_html)} {moved} "
            f"Now: {now}.{ending}")


def _verdict(run: RunView) -> None:
    assert run.ending is not None
    _ENDINGS[run.ending](f"{_ENDING_WORDS[run.ending]} · your decisions scored {widgets.percent(run.score)}")


def _decisions(run: RunView) -> None:
    """After the ending's debrief: each decision taken, what followed it and how it moved the meters."""
    a11y.heading("Your decisions, one by one", level=3)
    moves = scenario_view.step_moves(run.scenario, run.state)
    for number, (step, move) in enumerate(zip(run.state.steps, moves, strict=True), start=1):
        node = run.scenario.nodes[step.node_id]
        choice = node.choices[step.choice_index]
        with st.container(border=True):
            st.markdown(f"**{number}. {literal(node.title)}**: you chose {literal(choice.label_text)}")
            widgets.html(choice.consequence_html)
            st.caption(f"Meters: {scenario_view.moves_text(run.scenario, move)}")


def _play(course: Course, run: RunView) -> None:
    """Draw a run: the verdict when it has ended, the meters, the scene, then choices or decisions."""
    scenario = run.scenario
    if run.ending is not None:
        _verdict(run)
    moves = scenario_view.step_moves(scenario, run.state)
    widgets.meters(dict(scenario.meters), dict(run.state.meters), moves[-1] if moves else None)
    if run.ending is None:
        _consequence(run)
    node = current_node(scenario, run.state)
    a11y.heading(literal(node.title), level=2)
    widgets.html(node.body_html)
    if run.ending is None:
        _choices(course, run)
    else:
        _decisions(run)
        if st.button("Play again", type="primary"):  # one click: a new run starts at once
            _begin(course, scenario, "Scenario started again.")



def render() -> None:
    """Draw the scenario player."""
    actor = auth.require_page(Page.SCENARIO)
    loaded = resources.course()
    scenario_id = st.query_params.get("id", "")
    course = loaded.course
    if course is None or scenario_id not in course.scenarios:
        if scenario_id:
            st.warning("That scenario does not exist.")
        st.page_link(script(Page.HOME), label="Choose a scenario from your path", icon=":material/route:")
        return
    scenario = course.scenarios[scenario_id]
    a11y.page(scenario.meta.title, kind="Scenario")
    a11y.heading(literal(scenario.meta.title))
    announce_earned(actor, course)
    try:
        run = open_run(resources.engine(), actor, course, scenario_id)
    except NotAvailable as exc:
        st.warning(literal(str(exc).capitalize()))
        st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")
        return
    finished = state.get(state.SCENARIO_DONE, scenario_id)
    if run is None and isinstance(finished, RunView):
        run = finished
    if run is None:
        _intro(course, scenario)
    else:
        _play(course, run)
    st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")


render()
