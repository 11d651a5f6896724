"""The quiz: one question at a time, graded on the server, feedback after each answer.

Every kind of question is answered with native widgets that work with a keyboard and on a
phone: radios and checkboxes for choices, one select box per position for an ordering, one
select box per left-hand side for a matching, and a text area for a reflection.
"""

from __future__ import annotations

import time

import streamlit as st

from course.domain.model import Course, Module, Question, QuestionKind, Quiz
from course.domain.permissions import Page
from course.domain.quiz import DrawnQuestion, GradedAnswer, InvalidAnswer
from course.domain.wording import counted
from course.services.learner import NotAvailable, get_path
from course.services.quizzing import (
    MAX_REFLECTION_CHARS,
    AttemptResult,
    AttemptView,
    QuizHistory,
    answer_question,
    get_history,
    get_reflections,
    open_attempt,
    submit_attempt,
)
from course.ui import a11y, auth, question_view, resources, state, widgets
from course.ui.certificates_view import announce_earned, certify_after_work
from course.ui.links import script
from course.ui.prerequisites import title_of
from course.ui.text import literal


def _header(quiz: Quiz, history: QuizHistory) -> None:
    a11y.page(quiz.meta.title, kind="Quiz")
    a11y.heading(literal(quiz.meta.title))
    allowed = "unlimited" if quiz.max_attempts is None else str(quiz.max_attempts)
    left = "" if quiz.max_attempts is None else f" · {max(0, quiz.max_attempts - history.used)} left"
    st.caption(f"Pass mark {quiz.pass_mark}% · attempts used {history.used} of {allowed}{left} · "
               f"best {widgets.percent(history.best)} · latest {widgets.percent(history.latest)}")
    widgets.html(quiz.intro_html)


def _ask(course: Course, view: AttemptView, item: DrawnQuestion, number: int) -> None:
    question = view.question(item.question_id)
    if question.scored:
        a11y.heading(f"Question {number} of {len(view.scored)}", level=2)
    else:
        a11y.heading("Your reflection", level=2)
    question_view.stem(question)
    widgets.html(question.context_html)
    started = state.keep_first(state.QUESTION_SHOWN, view.attempt_key, item.question_id, value=time.time())
    text: str | None = None
    with st.form(f"answer-{item.question_id}"):
        if question.scored:
            answer = question_view.answer_widgets(question, item.option_order)
        else:
            answer = []
            saved = get_reflections(resources.engine(), auth.require_page(Page.QUIZ), view.quiz.meta.id)
            text = st.text_area(question.stem_text or "Your reflection", value=saved.get(question.id, ""),
                                max_chars=MAX_REFLECTION_CHARS, key=f"reflect-{question.id}",
                                help="Only you can read this. It is not scored; leave it empty to skip.")
        submitted = st.form_submit_button("Check answer" if question.scored else "Save and continue",
                                          type="primary")
    if submitted:
        problem = question_view.problem(question, answer)
        if problem is not None:
            st.warning(problem)
            return
        _send(course, view, item, [c for c in answer if c is not None], text=text, started=started)


def _send(course: Course, view: AttemptView, item: DrawnQuestion, chosen: list[int], *, text: str | None,
          started: float) -> None:
    actor = auth.require_page(Page.QUIZ)
    try:
        graded = answer_question(resources.engine(), actor, course, view.quiz.meta.id,
                                 attempt_key=view.attempt_key, question_id=item.question_id, chosen=chosen,
                                 seconds=time.time() - started, text=text)
    except InvalidAnswer:
        st.error("That answer could not be accepted. Please choose again.")
        return
    number = [d.question_id for d in view.drawn].index(item.question_id) + 1
    a11y.step(_said(view.question(item.question_id), graded, number))
    st.rerun()


def _said(question: Question, graded: GradedAnswer, number: int) -> str:
    """Say the verdict on an answer and the right answer, for the live region."""
    verdict = _verdict(question, graded, number) + "."
    if not question.scored or graded.correct:
        return verdict
    if question.kind is QuestionKind.CHOICE:
        right = ", ".join(o.text for o in question.options if o.correct)
        return f"{verdict} The right answer: {right}."
    if question.kind is QuestionKind.ORDER:
        return f"{verdict} The right order: {', '.join(e.text for e in question.items)}."
    return f"{verdict} The right pairs: {', '.join(f'{e.text} with {e.match_text}' for e in question.items)}."


def _result(result: AttemptResult, quiz: Quiz) -> None:
    verdict = "You passed." if result.passed else f"Not passed yet: the pass mark is {quiz.pass_mark}%."
    (st.success if result.passed else st.warning)(
        f"{verdict} You answered {result.correct} of {result.questions} correctly "
        f"({widgets.percent(result.score)}).")


def _teaching(course: Course, quiz: Quiz) -> Module | None:
    """Return the module whose front matter names this quiz: the one that teaches what it asks."""
    return next((m for m in course.modules.values() if m.quiz == quiz.meta.id), None)


def _review(course: Course, quiz: Quiz, missed: tuple[str, ...]) -> None:
    """List the questions the attempt got wrong, each with the way back to the section that teaches it."""
    questions = [q for q in (quiz.question(i) for i in missed) if q is not None]
    if not questions:
        return
    a11y.heading("What to review", level=2)
    module = _teaching(course, quiz)
    for question in questions:
        st.markdown(f"- {literal(question.stem_text or question.id)}")
        if module is None:
            continue
        section = module.find_section(question.section)
        where = module.meta.title if section is None else section.title
        query = {"id": module.meta.id} | ({} if section is None else {"section": str(section.index)})
        st.page_link(script(Page.MODULE), label=f"Reread {literal(where)}", query_params=query,
                     icon=":material/menu_book:")


def _after(course: Course, quiz: Quiz, result: AttemptResult) -> None:
    """Offer the next step: after a pass, the next item on the path; else another attempt."""
    step = None
    if result.passed:
        step = get_path(resources.engine(), auth.require_page(Page.QUIZ), course).next_step()
    if step is not None:
        page, item_id = step
        label = f"Next: {literal(title_of(course, item_id))}"
        if st.button(label, type="primary", icon=":material/play_arrow:"):
            _leave(quiz)
            st.switch_page(script(page), query_params={"id": item_id})
    if st.button("Start a new attempt", type="secondary" if step is not None else "primary"):
        _leave(quiz)
        st.rerun()
    st.page_link(script(Page.HOME), label="Back to your path", icon=":material/route:")


def _leave(quiz: Quiz) -> None:
    state.take(state.QUIZ_RESULT, quiz.meta.id)
    state.take(state.QUIZ_MISSED, quiz.meta.id)


def _answered(view: AttemptView) -> None:
    for number, item in enumerate(view.drawn, start=1):
        graded = view.graded.get(item.question_id)
        if graded is None:
            continue
        question = view.question(item.question_id)
        with st.expander(_verdict(question, graded, number), expanded=item == _last_answered(view)):
            widgets.html(f"<p><strong>{question.stem_html}</strong></p>")
            question_view.feedback(question, graded)


def _verdict(question: Question, graded: GradedAnswer, number: int) -> str:
    if not question.scored:
        return "Your reflection: saved"
    if graded.correct or question.kind is QuestionKind.CHOICE:
        return f"Question {number}: {'correct' if graded.correct else 'not correct'}"
    return f"Question {number}: partly right ({widgets.percent(graded.score)})"


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
    _header(quiz, get_history(engine, actor, course, quiz_id))
    announce_earned(actor, course)
    done = state.get(state.QUIZ_RESULT, quiz_id)
    if isinstance(done, AttemptResult):
        _result(done, quiz)
        _review(course, quiz, state.get(state.QUIZ_MISSED, quiz_id, default=()))
        _after(course, quiz, done)
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
        state.end_attempt(view.attempt_key)
        if result.passed:
            certify_after_work(actor, course)
        missed = tuple(d.question_id for d in view.drawn
                       if view.question(d.question_id).scored and not view.graded[d.question_id].correct)
        state.put(state.QUIZ_MISSED, quiz_id, value=missed)
        review = f" {counted(len(missed), 'question', 'questions')} to review." if missed else ""
        a11y.step(f"Attempt submitted. {'You passed.' if result.passed else 'Not passed yet.'} "
                  f"You answered {result.correct} of {result.questions} correctly.{review}", level=1)
        state.put(state.QUIZ_RESULT, quiz_id, value=result)
        st.rerun()


render()
