"""The quiz: one question at a time, graded on the server, feedback after each answer."""

from __future__ import annotations

import time

import streamlit as st

from course.domain.model import Course, Question, Quiz
from course.domain.permissions import Page
from course.domain.quiz import DrawnQuestion, GradedAnswer, InvalidAnswer
from course.services.learner import NotAvailable
from course.services.quizzing import (
    AttemptResult,
    AttemptView,
    QuizHistory,
    answer_question,
    get_history,
    open_attempt,
    submit_attempt,
)
from course.ui import auth, resources, widgets
from course.ui.links import script
from course.ui.text import literal


def _header(quiz: Quiz, history: QuizHistory) -> None:
    st.title(literal(quiz.meta.title))
    allowed = "unlimited" if quiz.max_attempts is None else str(quiz.max_attempts)
    left = "" if quiz.max_attempts is None else f" · {max(0, quiz.max_attempts - history.used)} left"
    st.caption(f"Pass mark {quiz.pass_mark}% · attempts used {history.used} of {allowed}{left} · "
               f"best {widgets.percent(history.best)} · latest {widgets.percent(history.latest)}")
    widgets.html(quiz.intro_html)


def _feedback(question: Question, graded: GradedAnswer) -> None:
    if graded.correct:
        st.success("Correct.")
    else:
        st.error("Not quite.")
    for option in question.options:
        chosen = option.index in graded.chosen
        if not chosen and not option.correct:
            continue
        tag = ("your answer, " if chosen else "") + ("correct" if option.correct else "not correct")
        st.markdown(f"**{literal(option.text)}** ({tag})")
        widgets.html(option.feedback_html)
    if question.explain_html:
        with st.container(border=True):
            st.markdown(":material/school: **Why**")
            widgets.html(question.explain_html)


def _ask(course: Course, view: AttemptView, item: DrawnQuestion, number: int) -> None:
    question = view.question(item.question_id)
    st.header(f"Question {number} of {len(view.drawn)}")
    widgets.html(f"<p><strong>{question.stem_html}</strong></p>")
    widgets.html(question.context_html)
    started = st.session_state.setdefault(f"nts_asked:{view.attempt_key}:{item.question_id}", time.time())
    labels = {o.index: literal(o.text) for o in question.options}
    with st.form(f"answer-{item.question_id}"):
        if question.multiple:
            st.caption("Choose all that apply.")
            chosen = [i for i in item.option_order
                      if st.checkbox(labels[i], key=f"opt-{item.question_id}-{i}")]
        else:
            pick = st.radio("Your answer", item.option_order, format_func=labels.__getitem__, index=None,
                            key=f"opt-{item.question_id}")
            chosen = [] if pick is None else [pick]
        submitted = st.form_submit_button("Check answer", type="primary")
    if submitted:
        if not chosen:
            st.warning("Choose an answer first.")
            return
        actor = auth.require_page(Page.QUIZ)
        try:
            answer_question(resources.engine(), actor, course, view.quiz.meta.id,
                            attempt_key=view.attempt_key, question_id=item.question_id, chosen=chosen,
                            seconds=time.time() - started)
        except InvalidAnswer:
            st.error("That answer could not be accepted. Please choose again.")
            return
        st.rerun()


def _result(result: AttemptResult, quiz: Quiz) -> None:
    verdict = "You passed." if result.passed else f"Not passed yet: the pass mark is {quiz.pass_mark}%."
    (st.success if result.passed else st.warning)(
        f"{verdict} You answered {result.correct} of {result.questions} correctly "
        f"({widgets.percent(result.score)}).")


def _answered(view: AttemptView) -> None:
    for number, item in enumerate(view.drawn, start=1):
        graded = view.graded.get(item.question_id)
        if graded is None:
            continue
        question = view.question(item.question_id)
        with st.expander(f"Question {number}: {'correct' if graded.correct else 'not correct'}",
                         expanded=item == _last_answered(view)):
            widgets.html(f"<p><strong>{question.stem_html}</strong></p>")
            _feedback(question, graded)


def _last_answered(view: AttemptView) -> DrawnQuestion | None:
    answered = [d for d in view.drawn if d.question_id in view.graded]
    return answered[-1] if answered else None


def render() -> None:
    """Draw the quiz page."""
    actor = auth.require_page(Page.QUIZ)
    loaded = resources.course()
    quiz_id = st.query_params.get("id", "")
    course = loaded.course
    if course is None or quiz_id not in course.quizzes:
        if quiz_id:
            st.warning("That quiz does not exist.")
        st.page_link(script(Page.HOME), label="Choose a quiz from your path", icon=":material/route:")
        return
    engine = resources.engine()
    quiz = course.quizzes[quiz_id]
    _header(quiz, get_history(engine, actor, quiz_id))
    done = st.session_state.get(f"nts_result:{quiz_id}")
    if isinstance(done, AttemptResult):
        _result(done, quiz)
        if st.button("Start a new attempt", type="primary"):
            del st.session_state[f"nts_result:{quiz_id}"]
            st.rerun()
        st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")
        return
    try:
        view = open_attempt(engine, actor, course, quiz_id)
    except NotAvailable as exc:
        st.warning(literal(str(exc).capitalize()))
        st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")
        return
    _answered(view)
    pending = [d for d in view.drawn if d.question_id not in view.graded]
    if pending:
        _ask(course, view, pending[0], len(view.drawn) - len(pending) + 1)
    elif st.button("Submit the attempt", type="primary"):
        result = submit_attempt(engine, actor, course, quiz_id, attempt_key=view.attempt_key)
        st.session_state[f"nts_result:{quiz_id}"] = result
        st.rerun()


render()
