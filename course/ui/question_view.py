"""How a question is answered and its feedback shown, shared by the quiz page and the studio preview.

Every kind is answered with native widgets that work with a keyboard and on a phone: radios and
checkboxes for choices, one select box per position for an ordering, one per left-hand side for
a matching. Widget keys take a prefix so that a page showing several questions keeps them apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from course.domain.model import Question, QuestionKind
from course.domain.quiz import GradedAnswer
from course.ui import widgets
from course.ui.a11y import GROUP, GROUP_LABEL
from course.ui.text import literal


def feedback(question: Question, graded: GradedAnswer) -> None:
    if not question.scored:
        st.info("Saved for you alone. Reflections are not scored and no one else can read them.")
    elif question.kind is QuestionKind.CHOICE:
        _choice_feedback(question, graded)
    else:
        _entry_feedback(question, graded)
    if question.explain_html:
        with st.container(border=True):
            st.markdown(":material/school: **Why**")
            widgets.html(question.explain_html)


def _choice_feedback(question: Question, graded: GradedAnswer) -> None:
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


def _entry_feedback(question: Question, graded: GradedAnswer) -> None:
    right, total = sum(graded.marks), len(graded.marks)
    noun = "positions" if question.kind is QuestionKind.ORDER else "pairs"
    if graded.correct:
        st.success(f"Correct: all {total} {noun} are right.")
    else:
        st.error(f"Partly right: {right} of {total} {noun} are right ({widgets.percent(graded.score)}).")
    for place, (given, mark) in enumerate(zip(graded.sequence, graded.marks, strict=True)):
        expected = question.items[place]
        if question.kind is QuestionKind.ORDER:
            said = f"{place + 1}. **{literal(question.items[given].text)}**"
            verdict = "right" if mark else f"not right; position {place + 1} is **{literal(expected.text)}**"
        else:
            said = f"**{literal(expected.text)}** → {literal(question.items[given].match_text)}"
            verdict = "right" if mark else f"not right; it goes with **{literal(expected.match_text)}**"
        st.markdown(f"{said} ({verdict})")
        widgets.html(expected.feedback_html)


def stem(question: Question, *, prefix: str = "") -> None:
    """Draw the question's words, with the id its group of checkboxes is labelled by."""
    widgets.html(f'<p id="{GROUP_LABEL}{prefix}{question.id}"><strong>{question.stem_html}</strong></p>')


def _named(visible: str, question: Question) -> str:
    """Return an input's label: its visible words, then the question they belong to, made literal.

    Streamlit gives a select box or radio group its label string as its accessible name (an
    aria-label) and still renders it, hidden, as Markdown when collapsed: hence `literal`, whose
    escaping is light enough to read aloud.
    """
    return literal(f"{visible} - {_stem(question)}")


def _stem(question: Question) -> str:
    """Return the question's words as plain text (its id when it has none)."""
    return question.stem_text or question.id


def _boxes(question: Question, order: Sequence[int], *, places: Sequence[tuple[str, str]],
           texts: dict[int, str], placeholder: str) -> list[int | None]:
    """Draw one select box per place, each shown by its words and named by them and the question."""
    chosen: list[int | None] = []
    for visible, key in places:
        st.markdown(f"**{literal(visible)}**")
        chosen.append(st.selectbox(_named(visible, question), order, format_func=texts.__getitem__,
                                   index=None, placeholder=placeholder, key=key,
                                   label_visibility="collapsed"))
    return chosen


def _order_widgets(question: Question, order: Sequence[int], prefix: str) -> list[int | None]:
    count = len(question.items)
    st.caption("Choose the item for each position, first to last. Use each item once.")
    places = [(f"Position {place} of {count}" + (" (first)" if place == 1 else
                                                 " (last)" if place == count else ""),
               f"{prefix}ord-{question.id}-{place}") for place in range(1, count + 1)]
    return _boxes(question, order, places=places, texts={e.index: e.text for e in question.items},
                  placeholder="Choose an item")


def _match_widgets(question: Question, order: Sequence[int], prefix: str) -> list[int | None]:
    st.caption("Choose the match for each one. Use each match once.")
    places = [(entry.text, f"{prefix}match-{question.id}-{entry.index}") for entry in question.items]
    return _boxes(question, order, places=places,
                  texts={e.index: e.match_text for e in question.items}, placeholder="Choose a match")


def answer_widgets(question: Question, order: Sequence[int], *, prefix: str = "") -> list[int | None]:
    """Draw the inputs of a scored question; return the answer (None where nothing is chosen).

    Every input is named with its question (WCAG 1.3.1 and 3.3.2), so that someone who reaches it
    by keyboard or from a screen reader's list of form fields knows what it answers.
    """
    if question.kind is QuestionKind.ORDER:
        return _order_widgets(question, order, prefix)
    if question.kind is QuestionKind.MATCH:
        return _match_widgets(question, order, prefix)
    # Radio and checkbox labels are Markdown; select box options (above) are plain text.
    labels = {o.index: literal(o.text) for o in question.options}
    if question.multiple:
        with st.container(key=f"{GROUP}{prefix}{question.id}"):
            st.caption("Choose all that apply.")
            return [i for i in order if st.checkbox(labels[i], key=f"{prefix}opt-{question.id}-{i}")]
    st.caption("Choose one answer.")
    pick = st.radio(literal(_stem(question)), order, format_func=labels.__getitem__, index=None,
                    key=f"{prefix}opt-{question.id}", label_visibility="collapsed")
    return [] if pick is None else [pick]


def problem(question: Question, answer: list[int | None]) -> str | None:
    """Return what keeps an answer from being checked, in the learner's words, if anything."""
    if question.kind is QuestionKind.CHOICE:
        return None if answer else "Choose an answer first."
    if any(choice is None for choice in answer):
        return "Fill in every box first."
    if len(set(answer)) != len(answer):
        return "Each item can be used once: two boxes hold the same one."
    return None
