"""A legal learner's journey in a real browser: read, fail and pass a quiz, resume and finish a scenario.

The expected answers, choices, meters and scores come from the bundled course loaded with the
same code the app uses, so the test follows the content rather than copying it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from course.content.loader import load_course
from course.domain.model import Course, Module, Question, Quiz, Scenario
from course.domain.paths import path_for
from course.domain.scenario import (
    RunState,
    available_choices,
    current_node,
    ending_of,
    run_score,
    start_run,
    take_choice,
)
from course.settings import BUNDLED_ROOT
from tests.browser.conftest import PageFactory, settle, shoot, sign_in_as_demo

pytestmark = pytest.mark.browser

LEARNER_LABEL = "Learner on the Legal & compliance track"
LEARNER_NAME = "Legal & compliance learner (demo)"
LEARNER_TRACKS = ("legal",)
#: Decisions taken before the browser is closed mid-scenario.
CHOICES_BEFORE_LEAVING = 2
#: A scenario longer than this is not going to end by always taking the first choice.
MAX_STEPS = 30


@pytest.fixture(scope="module")
def course() -> Course:
    """Load the bundled course, which the app under test serves."""
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def first_module(course: Course) -> Module:
    """Return the first module of the legal learner's path (it has a quiz and a scenario)."""
    module = path_for(course, LEARNER_TRACKS)[0]
    assert module.quiz in course.quizzes and module.scenario in course.scenarios
    return module


def _signed_in(new_page: PageFactory) -> Page:
    """Open the app in a fresh browser context and sign in as the demo legal learner."""
    page = new_page()
    sign_in_as_demo(page, LEARNER_LABEL, name=LEARNER_NAME)
    return page


def _continue_to_module(page: Page, module: Module) -> None:
    """From the home page, follow "Continue" to the module."""
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    settle(page)


def _read_every_section(page: Page, module: Module, screenshots: Path) -> None:
    total = len(module.sections)
    for section in module.sections:
        expect(page.get_by_text(f"Section {section.index + 1} of {total}", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name=section.title, level=2, exact=True)).to_be_visible()
        settle(page)
        last = section.index == total - 1
        page.get_by_role("button", name="Finish reading" if last else "Mark as read and continue").click()
        expect(page.get_by_text(f"{section.index + 1} of {total} sections read", exact=True)).to_be_visible()
    settle(page)
    shoot(page, screenshots, "01-module-read")


# -- the quiz ---------------------------------------------------------------------------------


def _text(value: str) -> str:
    return " ".join(value.split())


def _option_labels(page: Page, kind: str) -> Locator:
    """Return the labels of the answer options (radio buttons or checkboxes) in the open form."""
    return page.locator('[data-testid="stForm"] label').filter(has=page.locator(f"input[type={kind}]"))


def _shown_question(page: Page, quiz: Quiz) -> tuple[Question, str]:
    """Identify the question on screen by the option labels offered; return it and its kind."""
    form = page.locator('[data-testid="stForm"]')
    # Widgets' code loads lazily: the form can be on screen a moment before its options are.
    expect(form.locator("input[type=radio], input[type=checkbox]").first).to_be_attached()
    kind = "checkbox" if form.locator("input[type=checkbox]").count() else "radio"
    labels = {_text(label) for label in _option_labels(page, kind).all_inner_texts()}
    matches = [q for q in quiz.questions if {_text(o.text) for o in q.options} == labels]
    assert len(matches) == 1, f"cannot tell which question offers {sorted(labels)}"
    return matches[0], kind


def _answer_question(page: Page, quiz: Quiz, number: int, *, right: bool) -> None:
    drawn = quiz.pick or len(quiz.questions)
    expect(page.get_by_role("heading", name=f"Question {number} of {drawn}", exact=True)).to_be_visible()
    settle(page)
    question, kind = _shown_question(page, quiz)
    if right:
        chosen = [o for o in question.options if o.correct]
    else:  # one wrong option is wrong for single and multiple choice alike
        chosen = [next(o for o in question.options if not o.correct)]
    form = page.locator('[data-testid="stForm"]')
    for option in chosen:
        # Streamlit hides the native input and draws its own: click the visible label.
        _option_labels(page, kind).filter(
            has_text=re.compile(rf"^\s*{re.escape(_text(option.text))}\s*$")).click()
        expect(form.get_by_role(kind, name=_text(option.text), exact=True)).to_be_checked()
    form.get_by_role("button", name="Check answer").click()
    verdict = "correct" if right else "not correct"
    expect(page.get_by_text(f"Question {number}: {verdict}", exact=True)).to_be_visible()


def _take_attempt(page: Page, quiz: Quiz, *, right: bool) -> str:
    """Answer every drawn question rightly or wrongly, submit, and return the verdict shown."""
    drawn = quiz.pick or len(quiz.questions)
    for number in range(1, drawn + 1):
        _answer_question(page, quiz, number, right=right)
    page.get_by_role("button", name="Submit the attempt").click()
    verdict = page.get_by_text(re.compile(r"^(You passed\.|Not passed yet)"))
    expect(verdict).to_be_visible()
    settle(page)
    return verdict.inner_text()


# -- the scenario -----------------------------------------------------------------------------


def _expect_run_shown(page: Page, scenario: Scenario, state: RunState) -> None:
    """Check the page shows the run's current node and every meter's value."""
    node = current_node(scenario, state)
    expect(page.get_by_role("heading", name=node.title, level=2, exact=True)).to_be_visible()
    for meter in scenario.meters.values():
        expect(page.get_by_text(f"{meter.label}: {state.meters[meter.id]}", exact=True)).to_be_visible()
    settle(page)


def _take_first_choice(page: Page, scenario: Scenario, state: RunState) -> RunState:
    choice = available_choices(scenario, state)[0]
    page.get_by_role("button", name=choice.label_text, exact=True).click()
    after = take_choice(scenario, state, choice.index)
    _expect_run_shown(page, scenario, after)
    return after


def _meter_texts(page: Page, scenario: Scenario) -> list[str]:
    """Return the meters as the page shows them, such as "Public reputation: 55"."""
    labels = "|".join(re.escape(m.label) for m in scenario.meters.values())
    shown = sorted(page.get_by_text(re.compile(rf"^({labels}): -?\d+$")).all_inner_texts())
    assert len(shown) == len(scenario.meters), shown
    return shown


def _open_scenario_from_home(page: Page, module: Module, scenario: Scenario) -> None:
    """From the home page, open the module by its own row's link, then its scenario."""
    page.get_by_role("link", name=re.compile(rf"^(Open|Review) {re.escape(module.meta.title)}$")).click()
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    settle(page)  # a link clicked while the module's run is still drawing can be lost under load
    page.get_by_role("link", name=f"Scenario: {scenario.meta.title}", exact=True).click()
    expect(page.get_by_role("heading", name=scenario.meta.title, level=1, exact=True)).to_be_visible()


def test_a_legal_learner_reads_fails_passes_resumes_and_finishes(
    new_page: PageFactory, course: Course, first_module: Module, screenshots: Path
) -> None:
    """Read the first module, fail then pass its quiz, leave its scenario midway, come back, finish."""
    quiz = course.quizzes[str(first_module.quiz)]
    scenario = course.scenarios[str(first_module.scenario)]

    page = _signed_in(new_page)
    shoot(page, screenshots, "00-home")
    _continue_to_module(page, first_module)
    _read_every_section(page, first_module, screenshots)

    page.get_by_role("link", name=f"Quiz: {quiz.meta.title}", exact=True).click()
    expect(page.get_by_role("heading", name=quiz.meta.title, level=1, exact=True)).to_be_visible()
    failed = _take_attempt(page, quiz, right=False)
    assert failed.startswith(f"Not passed yet: the pass mark is {quiz.pass_mark}%."), failed
    assert "(0%)" in failed, failed
    shoot(page, screenshots, "02-quiz-failed")
    page.get_by_role("button", name="Start a new attempt").click()
    passed = _take_attempt(page, quiz, right=True)
    assert passed.startswith("You passed."), passed
    assert "(100%)" in passed, passed
    expect(page.get_by_text("attempts used 2 of unlimited", exact=False)).to_be_visible()
    shoot(page, screenshots, "03-quiz-passed")

    page.get_by_role("link", name="Back to your path").click()
    expect(page.get_by_role("heading", name=f"Welcome, {LEARNER_NAME}", exact=True)).to_be_visible()
    settle(page)
    # Every section read and the quiz passed: "Continue" opens the scenario, what is left.
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=scenario.meta.title, level=1, exact=True)).to_be_visible()
    page.get_by_role("button", name="Start the scenario").click()
    state = start_run(scenario)
    _expect_run_shown(page, scenario, state)
    for _ in range(CHOICES_BEFORE_LEAVING):
        state = _take_first_choice(page, scenario, state)
    meters_before = _meter_texts(page, scenario)
    shoot(page, screenshots, "04-scenario-left")
    page.context.close()

    page = _signed_in(new_page)
    _open_scenario_from_home(page, first_module, scenario)
    _expect_run_shown(page, scenario, state)
    expect(page.get_by_role("button", name="Start the scenario")).to_have_count(0)
    assert _meter_texts(page, scenario) == meters_before
    shoot(page, screenshots, "05-scenario-resumed")

    for _ in range(MAX_STEPS):
        if ending_of(scenario, state) is not None:
            break
        state = _take_first_choice(page, scenario, state)
    ending = ending_of(scenario, state)
    assert ending is not None, "the scenario did not end"
    score = f"{round(run_score(scenario, state) * 100)}%"
    expect(page.get_by_text(f"A {ending.value} ending · your decisions scored {score}", exact=True)
           ).to_be_visible()
    expect(page.get_by_text("Your decisions, one by one", exact=True)).to_be_visible()
    for number, step in enumerate(state.steps, start=1):
        node = scenario.nodes[step.node_id]
        label = node.choices[step.choice_index].label_text
        expect(page.get_by_text(f"{number}. {node.title}: you chose {label}", exact=True)).to_be_visible()
    shoot(page, screenshots, "06-scenario-debrief")


@pytest.mark.browser
def test_a_link_to_a_module_survives_signing_in(new_context: Callable[[], BrowserContext],
                                                screenshots: Path) -> None:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    module = course.modules["conversation-not-broadcast"]
    page = new_context().new_page()
    page.goto(f"/module?id={module.meta.id}")
    button = page.get_by_role("button", name="Demo: Learner on the IT & security track", exact=True)
    expect(button).to_be_visible()
    settle(page)
    button.click()
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    shoot(page, screenshots, "deep-link-module")
