"""A learner's journey through the bundled course: path, reading, quiz, scenario, resuming.

The demo learner on the legal track works through the first module of the bundled course the way
a person would: by the buttons, radios and checkboxes on the page. The right quiz answers are
found from the quiz file and the options as the page labels them, in the order it drew them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from course.content.loader import load_course
from course.domain.model import Course, Question, Quiz, Scenario
from course.domain.paths import path_for
from course.domain.permissions import Page
from course.domain.records import ProgressKind
from course.domain.wording import counted
from course.services.database import Engine
from course.settings import BUNDLED_ROOT
from course.store import people, progress
from course.store.engine import read_session
from course.ui.links import PAGES
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import seen

LEARNER = "legal.learner"
EMAIL = "legal.learner@demo.needtoshare.invalid"
FIRST = "conversation-not-broadcast"
QUIZ = "conversation-not-broadcast-quiz"
SCENARIO = "viral-video"
ENDING = re.compile(r"^A (good|mixed|bad) ending · your decisions scored \d+%$")


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    return loaded.course


# --- driving the pages -----------------------------------------------------------------------


def _open(at: AppTest, page: Page, item_id: str | None = None) -> AppTest:
    at.switch_page(PAGES[page].script)
    at.query_params.clear()
    if item_id is not None:
        at.query_params["id"] = item_id
    at.run()
    assert not at.exception, at.exception
    return at


def _labels(at: AppTest) -> list[str]:
    return [seen(b.label) for b in at.button]


def _click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, (label, _labels(at))
    matches[0].click().run()
    assert not at.exception, at.exception
    return at


def _texts(elements: Iterable[Any]) -> list[str]:
    return [seen(e.value) for e in elements]


def _stem(page: Page) -> str:
    """Return the address a page link points to (its script's name)."""
    return Path(PAGES[page].script).stem


def _progress(at: AppTest) -> list[str]:
    return [seen(p.text) for p in at.progress]


# --- quiz helpers ----------------------------------------------------------------------------


def _asked(at: AppTest, quiz: Quiz) -> tuple[Question, list[str]]:
    """Return the question on screen, found by its option labels, and the labels in page order."""
    labels = [seen(o) for o in (at.radio[0].options if at.radio else [c.label for c in at.checkbox])]
    found = [q for q in quiz.questions if sorted(o.text for o in q.options) == sorted(labels)]
    assert len(found) == 1, labels
    return found[0], labels


def _answer(at: AppTest, quiz: Quiz, *, right: bool) -> Question:
    """Answer the question on screen, rightly or wrongly, check it, and verify the feedback."""
    heading = re.fullmatch(r"Question (\d+) of \d+", at.header[0].value)
    assert heading is not None, at.header[0].value
    number = int(heading[1])
    question, labels = _asked(at, quiz)
    by_label = {o.text: o for o in question.options}
    wrong = next(o for o in question.options if not o.correct)
    if question.multiple:
        assert not at.radio
        for box in at.checkbox:
            option = by_label[seen(box.label)]
            box.set_value(option.correct if right else option is wrong)
    else:
        assert not at.checkbox
        chosen = next(o for o in question.options if o.correct) if right else wrong
        assert chosen.text in labels
        at.radio[0].set_value(chosen.index)
    _click(at, "Check answer")
    feedback = at.expander[-1]
    assert feedback.label == f"Question {number}: {'correct' if right else 'not correct'}"
    assert _texts(feedback.success) == (["Correct."] if right else [])
    assert _texts(feedback.error) == ([] if right else ["Not quite."])
    return question


def _answer_all(at: AppTest, quiz: Quiz, *, right: bool) -> list[Question]:
    asked = []
    while at.header and at.header[0].value.startswith("Question "):
        asked.append(_answer(at, quiz, right=right))
    assert quiz.pick is not None and len(asked) == quiz.pick
    assert len({q.id for q in asked}) == quiz.pick
    return asked


# --- scenario helpers ------------------------------------------------------------------------


def _choices(at: AppTest) -> list[str]:
    return [seen(b.label) for b in at.button if (b.key or "").startswith("choice-")]


def _choose(at: AppTest, index: int = 0) -> AppTest:
    buttons = [b for b in at.button if (b.key or "").startswith("choice-")]
    buttons[index].click().run()
    assert not at.exception, at.exception
    return at


def _meters_at_start(scenario: Scenario) -> list[str]:
    return [f"{m.label}: {m.start}" for m in scenario.meters.values()]


def _play_to_an_ending(at: AppTest) -> int:
    """Take the first choice on offer until the run ends; return how many choices were taken."""
    steps = 0
    while _choices(at):
        _choose(at)
        steps += 1
        assert steps < 50, "the scenario never ends"
    return steps


def _read_module(at: AppTest, sections: int) -> list[str]:
    """Read every section with the forward button; return the progress text after each run."""
    shown = [_progress(at)[0]]
    for index in range(sections):
        assert at.caption[0].value == f"Section {index + 1} of {sections}"
        _click(at, "Finish reading" if index == sections - 1 else "Mark as read and continue")
        shown.append(_progress(at)[0])
    return shown


def _module_progress(engine: Engine, module_id: str, version: str) -> tuple[list[int], int]:
    with read_session(engine) as session:
        person_id = people.find_person_id(session, EMAIL)
        assert person_id is not None
        read = sorted(progress.list_all_sections_read(session, person_id).get((module_id, version), set()))
        events = [e.events for e in progress.list_progress(session, person_id)
                  if e.kind is ProgressKind.MODULE and e.item_id == module_id]
    return read, sum(events)


# --- the tests -------------------------------------------------------------------------------


def test_home_shows_the_path_with_next_up_and_the_locks(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    path = path_for(course, ("legal",))
    first = course.modules[FIRST]
    minutes = sum(m.meta.minutes or 0 for m in path)
    assert _progress(at) == [f"0 of {len(path)} modules done · about {minutes} minutes left"]
    assert _texts(at.info) == [f"Next up: **{first.meta.title}** ({first.meta.minutes} min)"]
    rows = [m for m in _texts(at.markdown) if m.startswith(":material/") and "description:" not in m]
    assert rows[0] == f":material/radio_button_unchecked: **{first.meta.title}**"
    assert rows[1:] == [f":material/lock: **{m.meta.title}**" for m in path[1:]]
    assert "Unlocks after: Conversation, not broadcast" in _texts(at.caption)
    links = [(p.value, p.proto.query_string) for p in at.page_link]
    # Nothing is started yet, so the path first offers the placement pre-check; each link says
    # where it goes, not only "Open" or "Continue".
    assert links == [("Take the pre-check", ""), (f"Continue {first.meta.title}", f"id={FIRST}"),
                     (f"Open {first.meta.title}", f"id={FIRST}"), ("See your literacy profile", "")]


def test_reading_a_module_records_each_section_once(
    app: AppFactory, course: Course, database: Callable[[], Engine]
) -> None:
    at = app(as_demo=LEARNER)
    module = course.modules[FIRST]
    count = len(module.sections)
    _open(at, Page.MODULE, FIRST)
    assert _texts(at.title) == [module.meta.title]
    assert _texts(at.header) == [module.sections[0].title]
    # "Practise what you read" comes after the last section; the module's job aids are always there
    assert _texts(at.subheader) == ["Job aids to print"]

    counts = _read_module(at, count)
    assert counts == [f"{n} of {count} sections read" for n in range(count + 1)]
    assert _texts(at.subheader) == ["Practise what you read", "Job aids to print"]
    quiz, scenario = course.quizzes[QUIZ], course.scenarios[SCENARIO]
    assert [(seen(p.value), p.proto.query_string) for p in at.page_link] == [
        (f"Quiz: {quiz.meta.title}", f"id={QUIZ}"),
        (f"Scenario: {scenario.meta.title}", f"id={SCENARIO}"),
        ("Back to your path", ""),
    ]

    # Going back and reading a section again, or finishing twice, records nothing new.
    _click(at, "Previous section")
    assert _texts(at.header) == [module.sections[count - 2].title]
    _click(at, "Mark as read and continue")
    _click(at, "Finish reading")
    assert _progress(at) == [f"{count} of {count} sections read"]
    engine = database()
    assert _module_progress(engine, FIRST, module.meta.version) == (list(range(count)), count)

    # The home page shows the module as read, with its quiz and scenario still to do.
    _open(at, Page.HOME)
    assert f"read {count} of {count} sections · quiz not passed yet · scenario not played yet" in _texts(
        at.caption)
    # "Continue" goes to what is left, the quiz, not back to the first section.
    assert _texts(at.info) == [f"Next up: **{quiz.meta.title}** ({quiz.meta.minutes or '?'} min)"]
    [carry_on] = [p for p in at.page_link if p.value == f"Continue {quiz.meta.title}"]
    assert (carry_on.proto.page, carry_on.proto.query_string) == (_stem(Page.QUIZ), f"id={QUIZ}")


def test_the_contents_list_opens_any_section_and_marks_what_is_read(
    app: AppFactory, course: Course, database: Callable[[], Engine]
) -> None:
    at = app(as_demo=LEARNER)
    module = course.modules[FIRST]
    assert len(module.sections) >= 4
    _open(at, Page.MODULE, FIRST)

    def entries() -> list[str]:
        return [seen(b.label) for b in at.button if str(b.key or "").startswith(f"contents-{FIRST}-")]

    titles = [f"{s.index + 1}. {s.title}" for s in module.sections]
    assert entries() == [f"{titles[0]} (you are here)", *titles[1:]]
    at.button(key=f"contents-{FIRST}-2").click().run()
    assert not at.exception, at.exception
    assert _texts(at.header) == [module.sections[2].title]
    _click(at, "Mark as read and continue")
    assert entries()[2:4] == [f"{titles[2]} (read)", f"{titles[3]} (you are here)"]
    _click(at, "Previous section")
    assert entries()[2] == f"{titles[2]} (read, you are here)"
    # Opening a section from the contents records nothing; only "Mark as read" does.
    assert _module_progress(database(), FIRST, module.meta.version)[0] == [2]


def test_a_quiz_fails_then_passes(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    quiz = course.quizzes[QUIZ]
    _open(at, Page.QUIZ, QUIZ)
    assert _texts(at.title) == [quiz.meta.title]
    assert at.caption[0].value.startswith(f"Pass mark {quiz.pass_mark}% · attempts used 0 of unlimited")
    assert _texts(at.header) == [f"Question 1 of {quiz.pick}"]

    # Checking without an answer is refused on the page and records nothing.
    _click(at, "Check answer")
    assert _texts(at.warning) == ["Choose an answer first."]
    assert _texts(at.header) == [f"Question 1 of {quiz.pick}"]

    missed = _answer_all(at, quiz, right=False)
    assert "Check answer" not in _labels(at)
    _click(at, "Submit the attempt")
    assert _texts(at.warning) == [
        f"Not passed yet: the pass mark is {quiz.pass_mark}%. You answered 0 of {quiz.pick} correctly (0%)."]
    assert "attempts used 1 of unlimited · best 0% · latest 0%" in at.caption[0].value
    # What was missed, and the way back to the module that teaches it.
    assert _texts(at.header) == ["What to review"]
    assert (_said(at) or "").endswith(f"correctly. {quiz.pick} questions to review.")
    assert all(f"- {q.stem_text}" in _texts(at.markdown) for q in missed)
    # Each missed question leads to the section that teaches it (`section=`), else to the module.
    module = course.modules[FIRST]
    links = [(seen(p.value), p.proto.page, p.proto.query_string) for p in at.page_link]
    for question in missed:
        section = module.find_section(question.section)
        title, query = ((module.meta.title, f"id={FIRST}") if section is None
                        else (section.title, f"id={FIRST}&section={section.index}"))
        expected = (f"Reread {title}", _stem(Page.MODULE), query)
        assert expected in links, (question.id, links)
    assert any("&section=" in query for _, _, query in links)
    [again] = [b for b in at.button if b.label == "Start a new attempt"]
    assert again.proto.type == "primary"

    _click(at, "Start a new attempt")
    assert _texts(at.header) == [f"Question 1 of {quiz.pick}"]
    _answer_all(at, quiz, right=True)
    _click(at, "Submit the attempt")
    assert _texts(at.success) == [f"You passed. You answered {quiz.pick} of {quiz.pick} correctly (100%)."]
    assert "attempts used 2 of unlimited · best 100% · latest 100%" in at.caption[0].value
    assert not at.header  # nothing to review
    # After a pass the main button goes on along the path; another attempt stays on offer.
    [onward] = [b for b in at.button if b.proto.type == "primary"]
    assert seen(onward.label) == f"Next: {module.meta.title}"  # its sections are not read yet
    assert [b.proto.type for b in at.button if b.label == "Start a new attempt"] == ["secondary"]
    onward.click().run()
    assert not at.exception
    assert _texts(at.title) == [module.meta.title]

    _open(at, Page.HOME)
    assert any("quiz passed" in c for c in _texts(at.caption))


def _said(at: AppTest) -> str | None:
    """Return what the page's script puts in the live region on this run, if anything."""
    for element in at.get("html"):
        found = re.search(r"const ask = (\{.*?\});\n", element.value)
        if found:
            return str(json.loads(found[1])["said"])
    return None


def _in_order(block: Any) -> list[str]:
    """Return the values of the elements under a block, in the order the page shows them."""
    found: list[str] = []
    for child in getattr(block, "children", {}).values():
        value = getattr(child, "value", None)
        if isinstance(value, str):
            found.append(value)
        found.extend(_in_order(child))
    return found


def test_a_scenario_opens_on_an_intro_with_its_objectives_and_meters(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    scenario = course.scenarios[SCENARIO]
    meta = scenario.meta
    _open(at, Page.SCENARIO, SCENARIO)
    assert _texts(at.title) == [meta.title]
    assert not at.progress
    assert seen(at.markdown[0].value) == meta.summary
    assert f"About {meta.minutes} minutes" in _texts(at.caption)
    assert _texts(at.header) == ["What you will practise", "The meters"]
    markdown = _texts(at.markdown)
    assert "\n".join(f"- {o}" for o in meta.objectives) in markdown
    assert "\n".join(f"- **{m.label}**: starts at {m.start}, on a scale from {m.min} to {m.max}"
                     for m in scenario.meters.values()) in markdown
    assert "Start the scenario" in _labels(at)
    assert [p.value for p in at.page_link] == ["Back to your path"]


def test_a_scenario_runs_to_an_ending_and_plays_again(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    scenario = course.scenarios[SCENARIO]
    start = scenario.nodes[scenario.start]
    _open(at, Page.SCENARIO, SCENARIO)

    _click(at, "Start the scenario")
    assert _progress(at) == _meters_at_start(scenario)
    assert _texts(at.header) == [start.title]
    assert _choices(at) == [c.label_text for c in start.choices]
    assert _said(at) == f"Scenario started. {start.title}."

    _choose(at)
    first = start.choices[0]
    assert f":material/subdirectory_arrow_right: **You chose:** {first.label_text}" in _texts(at.markdown)
    assert _progress(at) != _meters_at_start(scenario)
    assert _texts(at.header) == [scenario.nodes[first.target].title]
    # Under each meter, how far the choice moved it; the live region says it too.
    moved = [f"{m.label} {first.effects[m.id]:+d}" if first.effects.get(m.id) else f"{m.label} no change"
             for m in scenario.meters.values()]
    assert [c for c in _texts(at.caption) if c.startswith(tuple(m.label for m in scenario.meters.values()))] \
        == moved
    said = _said(at)
    assert said is not None and said.startswith(f"You chose: {first.label_text}.")
    for meter in scenario.meters.values():
        if first.effects.get(meter.id):
            after = meter.start + first.effects[meter.id]
            assert f"{meter.label} {meter.start} to {after} ({first.effects[meter.id]:+d})" in said
    steps = 1 + _play_to_an_ending(at)

    # The ending: the verdict first, then the debrief, then each decision with what followed it.
    [ending] = [n for n in scenario.nodes.values() if n.title == seen(at.header[0].value)]
    assert ending.ending is not None
    verdict = {"good": at.success, "mixed": at.warning, "bad": at.error}[ending.ending.value]
    assert ENDING.match(verdict[0].value), verdict[0].value
    shown = _in_order(at.main)
    where = [shown.index(e.value) for e in (verdict[0], at.header[0], at.subheader[0])]
    assert where == sorted(where)
    assert _texts(at.subheader) == ["Your decisions, one by one"]
    decisions = [m for m in _texts(at.markdown) if re.match(r"\*\*\d+\. ", m)]
    assert len(decisions) == steps
    assert decisions[0] == f"**1. {start.title}**: you chose {first.label_text}"
    assert len([c for c in _texts(at.caption) if c.startswith("Meters: ")]) == steps
    assert "A " in (_said(at) or "") and "ending: your decisions scored" in (_said(at) or "")

    # One click starts a new run at once.
    _click(at, "Play again")
    assert _progress(at) == _meters_at_start(scenario)
    assert _texts(at.header) == [start.title]
    assert _said(at) == f"Scenario started again. {start.title}."

    _open(at, Page.HOME)
    assert any("scenario played" in c for c in _texts(at.caption))


def test_a_scenario_s_choices_read_from_the_left(app: AppFactory) -> None:
    at = app(as_demo=LEARNER)
    _open(at, Page.SCENARIO, SCENARIO)
    _click(at, "Start the scenario")
    styles = [h.value for h in at.get("html") if ".st-key-nts-choices button" in h.value]
    assert styles and "text-align: left" in styles[0]
    assert _choices(at)


def test_finishing_the_first_module_unlocks_the_next(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    _open(at, Page.MODULE, FIRST)
    _read_module(at, len(course.modules[FIRST].sections))
    _open(at, Page.QUIZ, QUIZ)
    _answer_all(at, course.quizzes[QUIZ], right=True)
    _click(at, "Submit the attempt")
    _click(at, f"Next: {course.scenarios[SCENARIO].meta.title}")  # what is left of the module
    assert _texts(at.title) == [course.scenarios[SCENARIO].meta.title]
    _open(at, Page.SCENARIO, SCENARIO)  # the test client does not keep the address switch_page set
    _click(at, "Start the scenario")
    _play_to_an_ending(at)

    _open(at, Page.HOME)
    path = path_for(course, ("legal",))
    assert _progress(at)[0].startswith(f"1 of {len(path)} modules done")
    following = course.modules["listening-first"].meta
    assert _texts(at.info) == [f"Next up: **{following.title}** ({following.minutes} min)"]
    assert f":material/check_circle: **{course.modules[FIRST].meta.title}**" in _texts(at.markdown)
    opened = {p.proto.query_string for p in at.page_link if p.value.startswith(("Open ", "Review "))}
    unlocked = {m.meta.id for m in path if set(m.meta.requires) <= {FIRST}}
    assert opened == {f"id={m}" for m in unlocked}

    _open(at, Page.MODULE, "listening-first")
    assert _texts(at.title) == [following.title]
    assert not at.warning


def test_a_new_session_resumes_the_quiz_and_the_scenario(app: AppFactory, course: Course) -> None:
    quiz, module = course.quizzes[QUIZ], course.modules[FIRST]
    at = app(as_demo=LEARNER)
    _open(at, Page.MODULE, FIRST)
    _click(at, "Mark as read and continue")
    _click(at, "Mark as read and continue")
    _open(at, Page.QUIZ, QUIZ)
    first = _answer(at, quiz, right=True)
    second = _answer(at, quiz, right=False)
    third, third_labels = _asked(at, quiz)
    _open(at, Page.SCENARIO, SCENARIO)
    _click(at, "Start the scenario")
    _choose(at, 1)
    _choose(at)
    where, meters, offered = _texts(at.header), _progress(at), _choices(at)
    assert offered

    again = app(as_demo=LEARNER)  # another browser session, signed in afresh
    assert again.session_state["nts_token"] != at.session_state["nts_token"]
    _open(again, Page.MODULE, FIRST)
    assert again.caption[0].value == f"Section 3 of {len(module.sections)}"
    assert _progress(again) == [f"2 of {len(module.sections)} sections read"]
    assert _texts(again.header) == [module.sections[2].title]

    _open(again, Page.SCENARIO, SCENARIO)
    assert (_texts(again.header), _progress(again), _choices(again)) == (where, meters, offered)

    _open(again, Page.QUIZ, QUIZ)
    assert _texts(again.header) == [f"Question 3 of {quiz.pick}"]
    assert _asked(again, quiz) == (third, third_labels)
    assert [e.label for e in again.expander] == ["Question 1: correct", "Question 2: not correct"]
    for expander, question in zip(again.expander, (first, second), strict=True):
        assert f"<p><strong>{question.stem_html}</strong></p>" in " ".join(h.value for h in expander.html)
    right = next(o for o in first.options if o.correct)
    assert f"**{right.text}** (your answer, correct)" in _texts(again.expander[0].markdown)
    wrong = next(o for o in second.options if not o.correct)
    assert f"**{wrong.text}** (your answer, not correct)" in _texts(again.expander[1].markdown)


def test_a_locked_module_names_and_links_what_unlocks_it(app: AppFactory, course: Course) -> None:
    at = app(as_demo=LEARNER)
    locked = course.modules["listening-first"]
    assert locked.meta.requires == (FIRST,)
    _open(at, Page.MODULE, locked.meta.id)
    assert _texts(at.warning) == [f"**{locked.meta.title}** opens once you finish:"]
    assert "listening-first" not in " ".join(_texts(at.warning))  # a title, not an id
    assert not at.title and not at.progress
    assert [(seen(p.value), p.proto.page, p.proto.query_string) for p in at.page_link] == [
        (course.modules[FIRST].meta.title, _stem(Page.MODULE), f"id={FIRST}"),
        ("Back to your path", "", ""),  # the path is the learner's landing page, at the root
    ]


def test_a_module_off_the_path_shows_a_warning(app: AppFactory) -> None:
    at = app(as_demo=LEARNER)
    for module_id, warning in [
        ("hr-policy-and-training", "Module 'hr-policy-and-training' is not on your path"),
        ("no-such-module", "That module does not exist."),
    ]:
        _open(at, Page.MODULE, module_id)
        assert _texts(at.warning) == [warning]
        assert not at.title and not at.progress, module_id
        assert _labels(at) == ["Sign out"], module_id
        assert [p.value for p in at.page_link] == ["Back to your path"], module_id


def test_an_activity_off_the_path_or_locked_shows_a_warning(app: AppFactory) -> None:
    at = app(as_demo=LEARNER)
    for page, item_id in [
        (Page.QUIZ, "listening-first-quiz"),  # locked
        (Page.QUIZ, "hr-policy-and-training-quiz"),  # another track's
        (Page.SCENARIO, "litigation-posts"),  # locked
        (Page.SCENARIO, "employee-leak"),  # another track's
    ]:
        _open(at, page, item_id)
        assert _texts(at.warning) == ["This activity is not on your path, or it is still locked"], item_id
        assert not at.radio and not at.checkbox and not at.progress, item_id
        assert _labels(at) == ["Sign out"], item_id
        assert [p.value for p in at.page_link] == ["Back to your path"], item_id


def test_an_activity_that_does_not_exist_shows_no_content(app: AppFactory) -> None:
    at = app(as_demo=LEARNER)
    for page, item_id, link in [
        (Page.QUIZ, "no-such-quiz", "Choose a quiz from your path"),
        (Page.SCENARIO, "no-such-scenario", "Choose a scenario from your path"),
    ]:
        _open(at, page, item_id)
        assert not at.title and not at.radio and not at.progress, item_id
        assert _labels(at) == ["Sign out"], item_id
        assert [p.value for p in at.page_link] == [link], item_id


def test_an_activity_that_does_not_exist_shows_a_warning(app: AppFactory) -> None:
    at = app(as_demo=LEARNER)
    for page, item_id in [(Page.QUIZ, "no-such-quiz"), (Page.SCENARIO, "no-such-scenario")]:
        _open(at, page, item_id)
        assert at.warning, item_id


def test_a_new_learner_s_profile_says_not_yet_assessed_rather_than_half_competent(
    app: AppFactory, course: Course
) -> None:
    at = _open(app(as_demo=LEARNER), Page.PROFILE)
    names = list(course.info.competencies.values())
    assert [seen(e.label) for e in at.expander] == [f"{n}: not yet assessed" for n in names]
    [chart] = at.get("plotly_chart")
    assert '"x":[null' in chart.proto.spec.replace(" ", "") and "50%" not in chart.proto.spec

    # A failed attempt: the competencies it covers are scored, their answers counted in words.
    quiz = course.quizzes[QUIZ]
    _open(at, Page.QUIZ, QUIZ)
    asked = _answer_all(at, quiz, right=False)
    _click(at, "Submit the attempt")
    _open(at, Page.PROFILE)
    answers = Counter(course.info.competencies[q.competency] for q in asked)
    firsts = {n: counted(k, "first answer", "first answers") for n, k in answers.items()}
    expected = [rf"{re.escape(n)}: \d+% · {firsts[n]}, 0 scenario runs"
                if n in answers else re.escape(f"{n}: not yet assessed") for n in names]
    lines = [seen(e.label) for e in at.expander]
    assert len(lines) == len(expected), lines
    assert all(re.fullmatch(e, line) for e, line in zip(expected, lines, strict=True)), lines
    assert any(n == 1 for n in answers.values()) is any(" 1 first answer," in line for line in lines)
