"""The placement pre-check page: offered on the path, skippable, answered once, then a summary."""

from __future__ import annotations

from functools import cache

from streamlit.testing.v1 import AppTest

from course.content.loader import load_course
from course.domain.model import Course, Question
from course.domain.permissions import Page
from course.settings import BUNDLED_ROOT
from course.ui.links import PAGES
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import seen

LEARNER = "legal.learner"
PREFIX = "pre-opt-"


@cache
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    return loaded.course


def question(question_id: str) -> Question:
    found = [q for quiz in course().quizzes.values() for q in quiz.questions if q.id == question_id]
    assert len(found) == 1, question_id
    return found[0]


def _open(at: AppTest, page: Page) -> AppTest:
    at.switch_page(PAGES[page].script)
    at.query_params.clear()
    at.run()
    assert not at.exception, at.exception
    return at


def _answer_everything_right(at: AppTest) -> int:
    """Choose the right options of every question on the page; return how many questions."""
    asked = set()
    for radio in at.radio:
        if str(radio.key).startswith(PREFIX):
            q = question(str(radio.key)[len(PREFIX):])
            radio.set_value(next(iter(q.correct_indexes)))
            asked.add(q.id)
    for box in at.checkbox:
        key = str(box.key)
        if key.startswith(PREFIX):
            question_id, _, index = key[len(PREFIX):].rpartition("-")
            box.set_value(int(index) in question(question_id).correct_indexes)
            asked.add(question_id)
    return len(asked)


def test_the_path_offers_the_precheck_until_the_learner_puts_it_off(app: AppFactory) -> None:
    at = _open(app(as_demo=LEARNER), Page.HOME)
    assert any("pre-check" in seen(m.value) for m in at.markdown), [seen(m.value) for m in at.markdown]
    at.button(key="precheck-not-now").click().run()
    assert not at.exception
    assert not any("pre-check" in seen(m.value) for m in at.markdown)


def test_a_learner_answers_the_precheck_once_and_sees_what_it_showed(app: AppFactory) -> None:
    at = _open(app(as_demo=LEARNER), Page.PLACEMENT)
    assert seen(at.title[0].value) == "A short pre-check"
    headings = [seen(h.value) for h in at.header]
    assert headings and headings[0].startswith("Question 1 of ")
    asked = _answer_everything_right(at)
    assert asked == len(headings)
    at.button(key="FormSubmitter:precheck-Submit the pre-check").click().run()
    assert not at.exception, at.exception
    assert [seen(s.value) for s in at.success] == ["Thank you: your pre-check is recorded."]
    assert any(seen(i.value).startswith("Fast-tracked: ") for i in at.info)
    # Taken once: the page now shows the summary, and the path no longer offers it.
    _open(at, Page.PLACEMENT)
    assert not at.radio and [seen(s.value) for s in at.success] == ["Thank you: your pre-check is recorded."]
    _open(at, Page.HOME)
    assert not any("pre-check" in seen(m.value) for m in at.markdown)
    # The profile shows the pre-check's result beside each competency it covered, all right here.
    _open(at, Page.PROFILE)
    lines = [seen(e.label) for e in at.expander]
    assert lines and all(line.endswith("pre-check 100%") for line in lines), lines
