"""Preview any module, quiz or scenario as a learner of a chosen track sees it; nothing is recorded."""

from __future__ import annotations

import secrets
from html import escape

import streamlit as st

from course.domain.model import Course, EndingKind, Module, Question, Quiz, Scenario
from course.domain.permissions import Actor, Page
from course.domain.quiz import InvalidAnswer
from course.domain.scenario import InvalidChoice, RunState, available_choices, current_node
from course.services import previewing
from course.services.studio_content import check_scenario_graph, scenario_dot
from course.ui import a11y, auth, question_view, resources, widgets
from course.ui import state as kept
from course.ui.text import literal

_ENDINGS = {EndingKind.GOOD: st.success, EndingKind.MIXED: st.warning, EndingKind.BAD: st.error}


def _module(actor: Actor, module: Module, track: str) -> None:
    a11y.page(module.meta.title, kind="Preview")
    st.title(literal(module.meta.title), anchor=False)
    widgets.html(f"<p>{escape(module.meta.summary)}</p>" if module.meta.summary else "")
    sections = previewing.section_blocks(resources.engine(), actor, module, track=track)
    for number, (title, blocks) in enumerate(sections, start=1):
        st.caption(f"Section {number} of {len(sections)}")
        st.header(literal(title), anchor=False)
        for block in blocks:
            widgets.block(block)


DRAWN = "One attempt, drawn as a learner gets it"
EVERY = "Every question, in file order"


def _quiz(actor: Actor, quiz: Quiz) -> None:
    a11y.page(quiz.meta.title, kind="Preview")
    st.title(literal(quiz.meta.title), anchor=False)
    st.caption(f"Pass mark {quiz.pass_mark}% · {len(quiz.questions)} question(s)"
               + (f", {quiz.pick} drawn per attempt" if quiz.pick else "")
               + (", questions and options shuffled" if quiz.shuffle else ""))
    widgets.html(quiz.intro_html)
    show = st.radio("Show", [DRAWN, EVERY], horizontal=True, key="pv-quiz-show")
    if show == EVERY:
        shown = [(q, [o.index for o in q.options] + [e.index for e in q.items]) for q in quiz.questions]
    else:
        redraw = st.button("Draw another attempt", key="pv-redraw")
        if redraw or not kept.has(kept.PREVIEW_SEED, quiz.meta.id):
            kept.put(kept.PREVIEW_SEED, quiz.meta.id, value=secrets.randbelow(2**31))
        seed = int(kept.get(kept.PREVIEW_SEED, quiz.meta.id))
        drawn = previewing.draw(resources.engine(), actor, quiz, seed=seed)
        shown = [(q, list(d.option_order)) for d in drawn if (q := quiz.question(d.question_id)) is not None]
    for number, (question, order) in enumerate(shown, start=1):
        st.header(f"Question {number} · {literal(question.id)}", anchor=False)
        question_view.stem(question, prefix="pv-")
        widgets.html(question.context_html)
        if not question.scored:
            st.text_area(literal(question.stem_text) or "Reflection", key=f"pv-reflect-{question.id}",
                         help="Learners write up to 2,000 characters here, kept for them alone and "
                              "never scored. Nothing is saved in the preview.")
            widgets.html(question.explain_html)
            continue
        with st.form(f"preview-{quiz.meta.id}-{question.id}"):
            answer = question_view.answer_widgets(question, order, prefix="pv-")
            checked = st.form_submit_button("Check")
        if checked:
            _feedback(actor, quiz, question, answer)


def _feedback(actor: Actor, quiz: Quiz, question: Question, answer: list[int | None]) -> None:
    problem = question_view.problem(question, answer)
    if problem is not None:
        st.warning(problem)
        return
    try:
        graded = previewing.grade(resources.engine(), actor, quiz, question.id,
                                  [c for c in answer if c is not None])
    except InvalidAnswer:
        st.warning("Choose an answer first.")
        return
    question_view.feedback(question, graded)


def _scenario(actor: Actor, scenario: Scenario) -> None:
    a11y.page(scenario.meta.title, kind="Preview")
    st.title(literal(scenario.meta.title), anchor=False)
    widgets.html(scenario.intro_html)
    report = check_scenario_graph(scenario)
    with st.expander("Graph of nodes and choices", expanded=True):
        st.graphviz_chart(scenario_dot(scenario))
        st.caption("Endings: green good, amber mixed, red bad · double border: start · dashed "
                   "grey: unreachable · thick red border: trapped (no ending reachable) · dashed "
                   "arrow: conditional choice · each arrow reads choice number · score (point at it "
                   "for the choice's text)")
        if report.unreachable:
            st.warning("Unreachable: " + literal(", ".join(sorted(report.unreachable))))
        if report.trapped:
            st.error("Trapped: " + literal(", ".join(sorted(report.trapped))))
    ids = (scenario.meta.id, scenario.meta.version)
    with st.form(f"from-node-{scenario.meta.id}"):
        node_ids = list(scenario.nodes)
        node_id = st.selectbox("Node", node_ids, index=node_ids.index(scenario.start),
                               format_func=lambda n: f"{scenario.nodes[n].title} ({n})")
        values = {m.id: st.slider(literal(m.label), m.min, m.max, m.start, key=f"pv-meter-{m.id}")
                  for m in scenario.meters.values()}
        if st.form_submit_button("Play from this node", type="primary"):
            kept.put(kept.PREVIEW_RUN, *ids, value=previewing.start_at(resources.engine(), actor, scenario,
                                                                       node_id=node_id, meters=values))
    state = kept.get(kept.PREVIEW_RUN, *ids)
    if isinstance(state, RunState):
        _play(actor, scenario, state, ids)


def _play(actor: Actor, scenario: Scenario, state: RunState, ids: tuple[str, str]) -> None:
    node = current_node(scenario, state)
    widgets.meters(dict(scenario.meters), dict(state.meters))
    if state.steps:
        last = state.steps[-1]
        choice = scenario.nodes[last.node_id].choices[last.choice_index]
        if choice.consequence_html:
            with st.container(border=True):
                chose = literal(choice.label_text)
                st.markdown(f":material/subdirectory_arrow_right: **You chose:** {chose}")
                widgets.html(choice.consequence_html)
    st.header(literal(node.title), anchor=False)
    widgets.html(node.body_html)
    if node.ending is not None:
        _ENDINGS[node.ending](f"Ending: {node.ending}. Score so far {state.score_sum}.")
        return
    offered = available_choices(scenario, state)
    if not offered:
        st.warning("No choice is open here with these meter values.")
    for choice in offered:
        if st.button(literal(choice.label_text), key=f"pv-choice-{len(state.steps)}-{choice.index}",
                     width="stretch"):
            try:
                kept.put(kept.PREVIEW_RUN, *ids, value=previewing.step(resources.engine(), actor, scenario,
                                                                       state, choice.index))
            except InvalidChoice:
                st.error("That choice is not on offer.")
            st.rerun()


def _pick(course: Course) -> tuple[str, str, str]:
    kind = st.radio("Preview", ["Module", "Quiz", "Scenario"], horizontal=True)
    table: dict[str, Module | Quiz | Scenario] = dict(
        course.modules if kind == "Module" else course.quizzes if kind == "Quiz" else course.scenarios)
    ids = sorted(table, key=lambda i: table[i].meta.title)
    item_id = st.selectbox(kind, ids, format_func=lambda i: f"{table[i].meta.title} ({i})")
    tracks = list(course.info.roles)
    track = st.selectbox("As a learner of the track", tracks,
                         format_func=lambda r: course.info.roles[r])
    return kind, item_id or "", track or ""


def render() -> None:
    """Draw the preview page."""
    actor = auth.require_page(Page.STUDIO_PREVIEW)
    course = resources.course().course
    if course is None:
        st.error("The course cannot be loaded: course.yaml has problems.")
        return
    st.caption("Preview: nothing you do here is recorded.")
    kind, item_id, track = _pick(course)
    if not item_id:
        st.info("There is nothing of this kind to preview.")
        return
    st.divider()
    if kind == "Module":
        module = course.modules[item_id]
        if not module.meta.is_for({track}):
            st.info("Learners of this track do not have this module on their path.")
        _module(actor, module, track)
    elif kind == "Quiz":
        _quiz(actor, course.quizzes[item_id])
    else:
        _scenario(actor, course.scenarios[item_id])


render()
