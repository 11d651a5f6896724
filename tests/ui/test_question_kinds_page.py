"""The quiz page answers ordering, matching and reflection questions with select boxes and a text area."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streamlit.proto.LabelVisibility_pb2 import LabelVisibility
from streamlit.testing.v1 import AppTest

from course.domain.permissions import Page
from course.ui.links import PAGES
from course.ui.widgets import percent
from tests.conftest import TreeWriter
from tests.services.test_question_kinds import KINDS
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import BOLD_WORD, BRACKETLESS, COLOUR_WORD, IN_BODY, seen
from tests.ui.test_hostile_text_pages import _checked

ORDER = ["Acknowledge the post", "Check the facts", "Post the update", "Review what happened"]
MATCH = {"X": "reposts", "TikTok": "an algorithmic feed", "LinkedIn": "a professional network"}
ORDER_STEM = "Put the first hour in order."
MATCH_STEM = "Pair each platform with how it spreads a post."
POSITIONS = ["Position 1 of 4 (first)", "Position 2 of 4", "Position 3 of 4", "Position 4 of 4 (last)"]


def _open(app: AppFactory, write_tree: TreeWriter) -> AppTest:
    # Questions in file order, so the test knows which comes next; entries are shuffled anyway.
    anchor = "competencies: [crisis, listening]\n"
    quiz = KINDS.replace(anchor, anchor + "shuffle: false\n")
    at = app(as_demo="legal.learner", content=write_tree({"quizzes/intro-quiz.md": quiz}))
    at.switch_page(PAGES[Page.QUIZ][0])
    at.query_params["id"] = "intro-quiz"
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(elements: Iterable[Any]) -> list[str]:
    return [e.value for e in elements]


def _check(at: AppTest, label: str = "Check answer") -> AppTest:
    (button,) = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception
    return at


def _answer_choices(at: AppTest) -> None:
    """Answer the choice questions (q-one right, q-two wrong) in whatever order they come."""
    while at.radio or at.checkbox:
        if at.radio:
            at.radio[0].set_value(0)  # values are file positions: "Listen" is right
        else:
            (guess,) = [c for c in at.checkbox if c.label == "Guessing"]
            guess.set_value(True)
        _check(at)


def _select(at: AppTest, label: str, text: str) -> None:
    (box,) = [s for s in at.selectbox if s.label == label]
    box.select_index(list(box.options).index(text))


def test_ordering_matching_and_reflection_by_select_boxes(app: AppFactory, write_tree: TreeWriter) -> None:
    at = _open(app, write_tree)
    assert _texts(at.header) == ["Question 1 of 4"]
    _answer_choices(at)
    assert _texts(at.header) == ["Question 3 of 4"]
    labels = [s.label for s in at.selectbox]
    # Each box is named by its position and by the question it answers; the position is shown.
    assert labels == [f"{place} - {ORDER_STEM}" for place in POSITIONS]
    assert all(s.proto.label_visibility.value == LabelVisibility.COLLAPSED for s in at.selectbox)
    assert [m.value for m in at.markdown if m.value.startswith("**Position ")] == [
        f"**{place}**" for place in POSITIONS]
    assert sorted(at.selectbox[0].options) == sorted(ORDER)
    assert list(at.selectbox[0].options) != ORDER  # never offered in the answer's order
    # A box left empty, or an item used twice, is caught on the page and nothing is sent.
    _check(at)
    assert _texts(at.warning) == ["Fill in every box first."]
    for place, text in enumerate(["Check the facts", "Acknowledge the post", "Post the update",
                                  "Post the update"], start=1):
        _select(at, labels[place - 1], text)
    _check(at)
    assert _texts(at.warning) == ["Each item can be used once: two boxes hold the same one."]
    _select(at, labels[3], "Review what happened")
    _check(at)
    feedback = at.expander[-1]
    assert feedback.label == "Question 3: partly right (50%)"
    assert _texts(feedback.error) == ["Partly right: 2 of 4 positions are right (50%)."]

    assert _texts(at.header) == ["Question 4 of 4"]
    assert [s.label for s in at.selectbox] == [f"{left} - {MATCH_STEM}" for left in MATCH]
    assert [m.value for m in at.markdown if m.value.strip("*") in MATCH] == [f"**{left}**" for left in MATCH]
    for left, right in MATCH.items():
        _select(at, f"{left} - {MATCH_STEM}", right)
    _check(at)
    assert at.expander[-1].label == "Question 4: correct"
    assert _texts(at.expander[-1].success) == ["Correct: all 3 pairs are right."]

    assert _texts(at.header) == ["Your reflection"]
    (area,) = at.text_area
    assert area.label == "What will you do differently next time?" and area.max_chars == 2000
    area.input("Answer within the hour, even before every fact is in.")
    _check(at, "Save and continue")
    assert at.expander[-1].label == "Your reflection: saved"
    _check(at, "Submit the attempt")
    # q-one right, q-two wrong, half the order, every pair: (1 + 0 + 0.5 + 1) / 4.
    assert _texts(at.warning) == ["Not passed yet: the pass mark is 70%. You answered 2 of 4 correctly "
                                  f"({percent(0.625)})."]


def test_a_saved_reflection_is_offered_again_next_attempt(app: AppFactory, write_tree: TreeWriter) -> None:
    at = _open(app, write_tree)
    _answer_choices(at)
    for place, text in enumerate(ORDER, start=1):
        _select(at, at.selectbox[place - 1].label, text)
    _check(at)
    for left, right in MATCH.items():
        _select(at, f"{left} - {MATCH_STEM}", right)
    _check(at)
    at.text_area[0].input("My first thoughts.")
    _check(at, "Save and continue")
    _check(at, "Submit the attempt")
    _check(at, "Start a new attempt")
    _answer_choices(at)
    for place, text in enumerate(ORDER, start=1):
        _select(at, at.selectbox[place - 1].label, text)
    _check(at)
    assert [s.label for s in at.selectbox] == [f"{left} - {MATCH_STEM}" for left in MATCH]
    for left, right in MATCH.items():
        _select(at, f"{left} - {MATCH_STEM}", right)
    _check(at)
    assert at.text_area[0].value == "My first thoughts."


def test_the_studio_preview_checks_an_ordering_and_shows_a_reflection(
        app: AppFactory, write_tree: TreeWriter) -> None:
    at = app(as_demo="trainer", content=write_tree({"quizzes/intro-quiz.md": KINDS}))
    at.switch_page("course/ui/pages/studio_preview.py").run()
    at.radio[0].set_value("Quiz").run()
    at.radio(key="pv-quiz-show").set_value("Every question, in file order").run()
    positions = [s.label for s in at.selectbox if s.label.startswith("Position ")]
    assert positions == [f"{place} - {ORDER_STEM}" for place in POSITIONS]
    for label, text in zip(positions, ORDER[::-1], strict=True):
        _select(at, label, text)
    (check,) = [b for b in at.button if b.label == "Check" and "first-hour" in str(b.form_id)]
    check.click().run()
    assert not at.exception, at.exception
    assert "Partly right: 0 of 4 positions are right (0%)." in _texts(at.error)
    assert [a.label for a in at.text_area] == ["What will you do differently next time?"]


def test_choice_inputs_are_named_by_their_question(app: AppFactory, write_tree: TreeWriter) -> None:
    at = _open(app, write_tree)
    assert "Choose one answer." in _texts(at.caption)
    (group,) = at.radio
    # The group is named by the stem, not by a generic "Your answer"; the stem is shown above it.
    assert group.label == "What comes first?"
    assert group.proto.label_visibility.value == LabelVisibility.COLLAPSED
    group.set_value(0)
    _check(at)
    assert [c.label for c in at.checkbox] == ["Alerts", "Searches", "Guessing"]
    # No help tooltip per box (one tab stop fewer each): the page's script names their group by
    # the question instead, which tests/browser/test_question_kinds.py checks in a browser.
    assert {c.help for c in at.checkbox} <= {"", None}


def test_a_hostile_stem_and_items_are_named_literally(app: AppFactory, write_tree: TreeWriter) -> None:
    quiz = ("---\nid: intro-quiz\ntitle: Introduction check\nroles: [all]\n"
            "competencies: [crisis, listening]\nshuffle: false\n---\n\n"
            f"{{#hostile competency=crisis kind=order}}\n## {IN_BODY}\n\n"
            f"1. {BRACKETLESS} one\n2. {BRACKETLESS} two\n3. {BRACKETLESS} three\n")
    at = app(as_demo="legal.learner", content=write_tree({"quizzes/intro-quiz.md": quiz}))
    at.switch_page(PAGES[Page.QUIZ][0])
    at.query_params["id"] = "intro-quiz"
    at.run()
    assert not at.exception, at.exception
    # The hidden labels are still Markdown to the front end: no payload piece may stay live in them.
    strings = _checked(at, "quiz with a hostile ordering")
    labels = [s.label for s in at.selectbox]
    assert len(labels) == 3 and all(label in strings for label in labels)
    assert seen(labels[0]).startswith("Position 1 of 3 (first) - T ")
    assert BOLD_WORD in seen(labels[0]) and COLOUR_WORD in seen(labels[0])
    # Select box options are plain text in the browser: shown as typed, never backslash-escaped.
    options = list(at.selectbox[0].options)
    assert len(options) == 3 and all("\\" not in o and "$x^2$ <img src=" in o for o in options), options
