"""The learner's loop on a phone (390 by 844), and each other role's landing page at that size.

A fresh demo learner (the IT one: the other journeys keep their own learners) lands on their
path, opens the first module, jumps with the contents list, reads every section (each new
section's heading focused and at the top of the screen), fails the quiz (the results list what
was missed, and "Reread" goes back to the module), then opens the scenario: its intro page,
a first step with its post card, the meters' moves after a choice, and the ending with the
verdict first. axe runs on each of these screens, and none may reach past the screen's right
edge. Then a trainer, a leader and an administrator each sign in at the same size and land on
their own home. The expected titles, choices and meters come from the bundled course.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from course.content.loader import load_course
from course.domain.model import Course, Module, Scenario
from course.domain.paths import path_for
from course.domain.permissions import Capability
from course.domain.scenario import RunState, ending_of, start_run
from course.settings import BUNDLED_ROOT
from tests.browser.conftest import WAIT_MS, open_isolated_context, settle, shoot, sign_in_as_demo
from tests.browser.layout import SIDEWAYS
from tests.browser.test_accessibility import Violations, _axe_source, _blocking, _demo, _describe
from tests.browser.test_learner_journey import MAX_STEPS, _expect_run_shown, _take_attempt, _take_first_choice

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
LABEL = "Learner on the IT & security track"
NAME = "IT & security learner (demo)"
TRACKS = ("it",)
#: Where each role other than the learner lands: its home page's h1.
HOMES = ((Capability.TRAINER, "Content health"), (Capability.LEADER, "Literacy dashboard"),
         (Capability.ADMIN, "People"))

_FOCUSED_H2 = """() => { const e = document.activeElement;
  return e && e.tagName === 'H2' ? e.textContent.replace(/\\s+/g, ' ').trim() : null; }"""
_SCROLL = """() => { const m = document.querySelector('[data-testid="stMain"]');
  return Math.max(m ? m.scrollTop : 0, window.scrollY); }"""


class Checks:
    """axe and the sideways check, run on each screen; the findings are reported together."""

    def __init__(self, page: Page, screenshots: Path) -> None:
        self.page, self.screenshots, self.source = page, screenshots, _axe_source()
        self.axe: dict[str, Violations] = {}
        self.sideways: dict[str, list[str]] = {}

    def screen(self, name: str) -> None:
        settle(self.page)
        self.axe[name] = _blocking(self.page, self.source)
        self.sideways[name] = self.page.evaluate(SIDEWAYS)
        shoot(self.page, self.screenshots, f"phone-{name.replace(' ', '-')}")

    def assert_clean(self) -> None:
        serious = {name: found for name, found in self.axe.items() if found}
        assert not serious, "\n".join(f"axe on the {name} at 390 px:\n{_describe(found)}"
                                      for name, found in serious.items())
        past = {name: found for name, found in self.sideways.items() if found}
        assert not past, f"content reaches past a 390 px screen: {past}"


def _course() -> Course:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    return course


def _section_opened_at_top(page: Page, module: Module, index: int) -> None:
    """The section is shown, its h2 has the focus, and the page is scrolled to the top."""
    title = module.sections[index].title
    expect(page.get_by_text(f"Section {index + 1} of {len(module.sections)}", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=title, level=2, exact=True)).to_be_visible()
    page.wait_for_function(f"(t) => ({_FOCUSED_H2})() === t", arg=title, timeout=WAIT_MS)
    page.wait_for_function(f"() => ({_SCROLL})() === 0", timeout=WAIT_MS)


def _read_module(page: Page, module: Module, checks: Checks) -> None:
    """Jump to the second section by the contents list, come back, then read every section."""
    total = len(module.sections)
    page.locator("summary", has_text="Contents").click()
    expect(page.get_by_text(f"1. {module.sections[0].title} (you are here)")).to_be_visible()
    checks.screen("module with contents")
    page.get_by_role("button", name=re.compile("^" + re.escape(f"2. {module.sections[1].title}"))).click()
    _section_opened_at_top(page, module, 1)
    page.get_by_role("button", name="Previous section").click()
    _section_opened_at_top(page, module, 0)
    for section in module.sections:
        last = section.index == total - 1
        page.get_by_role("button", name="Finish reading" if last else "Mark as read and continue").click()
        expect(page.get_by_text(f"{section.index + 1} of {total} sections read", exact=True)).to_be_visible()
        if not last:
            _section_opened_at_top(page, module, section.index + 1)
    settle(page)


def _fail_quiz_and_reread(page: Page, course: Course, module: Module, checks: Checks) -> None:
    quiz = course.quizzes[str(module.quiz)]
    page.get_by_role("link", name=f"Quiz: {quiz.meta.title}", exact=True).click()
    expect(page.get_by_role("heading", name=quiz.meta.title, level=1, exact=True)).to_be_visible()
    verdict = _take_attempt(page, quiz, right=False)
    assert verdict.startswith(f"Not passed yet: the pass mark is {quiz.pass_mark}%."), verdict
    expect(page.get_by_role("heading", name="What to review", level=2, exact=True)).to_be_visible()
    # Each missed question is listed, followed by its link to the section (or module) that teaches it.
    review = page.get_by_role("heading", name="What to review").locator(
        "xpath=ancestor::div[@data-testid='stElementContainer']/following-sibling::*")
    missed = [" ".join(text.split()) for text in review.get_by_role("listitem").all_inner_texts()]
    stems = {" ".join((q.stem_text or q.id).split()) for q in quiz.questions}
    assert len(missed) == (quiz.pick or len(quiz.questions)) and set(missed) <= stems, missed
    teaching = {s.title for s in module.sections} | {module.meta.title}
    found = {t: review.get_by_role("link", name=f"Reread {t}", exact=True).count() for t in teaching}
    assert sum(found.values()) == len(missed), found
    reread = review.get_by_role("link", name=re.compile(r"^Reread ")).first
    expect(reread).to_be_visible()
    checks.screen("quiz results")
    reread.click()
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    settle(page)


def _scenario_intro(page: Page, scenario: Scenario, checks: Checks) -> None:
    page.get_by_role("link", name=f"Scenario: {scenario.meta.title}", exact=True).click()
    expect(page.get_by_role("heading", name=scenario.meta.title, level=1, exact=True)).to_be_visible()
    expect(page.get_by_text(f"About {scenario.meta.minutes} minutes", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What you will practise", level=2, exact=True)).to_be_visible()
    for objective in scenario.meta.objectives:
        expect(page.get_by_role("listitem").filter(has_text=objective.strip())).to_have_count(1)
    expect(page.get_by_role("heading", name="The meters", level=2, exact=True)).to_be_visible()
    for meter in scenario.meters.values():
        expect(page.get_by_text(f"{meter.label}: starts at {meter.start}", exact=False)).to_be_visible()
    checks.screen("scenario intro")


def _play_to_the_end(page: Page, scenario: Scenario, checks: Checks) -> RunState:
    page.get_by_role("button", name="Start the scenario").click()
    state = start_run(scenario)
    _expect_run_shown(page, scenario, state)
    expect(page.locator(".nts-post").first).to_be_visible()  # the post that starts it all
    before = state
    state = _take_first_choice(page, scenario, state)
    for meter in scenario.meters.values():
        move = state.meters[meter.id] - before.meters[meter.id]
        shown = f"{meter.label} {move:+d}" if move else f"{meter.label} no change"
        expect(page.get_by_text(shown, exact=True)).to_be_visible()
    checks.screen("scenario step")
    for _ in range(MAX_STEPS):
        if ending_of(scenario, state) is not None:
            break
        state = _take_first_choice(page, scenario, state)
    return state


def _ending_shows_verdict_first(page: Page, scenario: Scenario, state: RunState, checks: Checks) -> None:
    ending = ending_of(scenario, state)
    assert ending is not None, "the scenario did not end"
    verdict = page.get_by_text(re.compile(rf"^A {ending.value} ending · your decisions scored \d+%$"))
    expect(verdict).to_be_visible()
    expect(page.get_by_role("heading", name="Your decisions, one by one", exact=True)).to_be_visible()
    settle(page)
    first_meter = page.get_by_role("progressbar").first
    verdict_box, meter_box = verdict.bounding_box(), first_meter.bounding_box()
    assert verdict_box is not None and meter_box is not None
    assert verdict_box["y"] < meter_box["y"], "the verdict is not the first thing on the ending"
    expect(page.get_by_role("button", name="Play again")).to_be_visible()
    checks.screen("scenario ending")


def _signed_in_on_a_phone(context: BrowserContext, label: str, name: str, home: str | None = None) -> Page:
    """Open the sign-in page at phone size and press the demo button with this label."""
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.get_by_role("button", name=f"Demo: {label}", exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    sign_in_as_demo(page, label, name=name, lands_on=home)
    return page


def _lands_on_own_home(browser: Browser, app_url: str, capability: Capability, home: str,
                       checks: Checks) -> None:
    context = open_isolated_context(browser, app_url)
    try:
        person = _demo(capability)
        page = _signed_in_on_a_phone(context, person.label, person.name, home)
        expect(page.get_by_role("heading", name=home, level=1, exact=True)).to_be_visible()
        expect(page.get_by_text("Your account has no learner track")).to_have_count(0)
        checks.page = page
        checks.screen(f"{capability.value} home")
    finally:
        context.close()


def test_a_learner_reads_fails_rereads_and_plays_on_a_phone_and_every_role_lands_home(
    browser: Browser, app_url: str, screenshots: Path
) -> None:
    course = _course()
    module = path_for(course, TRACKS)[0]
    assert module.quiz in course.quizzes and module.scenario in course.scenarios
    scenario = course.scenarios[str(module.scenario)]
    context = open_isolated_context(browser, app_url)
    try:
        page = _signed_in_on_a_phone(context, LABEL, NAME)
        checks = Checks(page, screenshots)
        checks.screen("learner home")
        page.get_by_role("link", name=f"Continue {module.meta.title}", exact=True).click()
        expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
        settle(page)
        _read_module(page, module, checks)
        _fail_quiz_and_reread(page, course, module, checks)
        _scenario_intro(page, scenario, checks)
        state = _play_to_the_end(page, scenario, checks)
        _ending_shows_verdict_first(page, scenario, state, checks)
    finally:
        context.close()
    for capability, home in HOMES:
        _lands_on_own_home(browser, app_url, capability, home, checks)
    checks.assert_clean()
