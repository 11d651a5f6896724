"""Every role's journey on the bundled course and on a second course with other roles and ids.

One server per course: a learner of the course's first role reads a module, passes a quiz and
finishes a scenario; the leader opens the dashboard, whose departments come from the course's
demo organisation; the trainer finds every file clean in the studio. Titles, answers and
choices are read from the course with the app's own loader, so the journey fits any course.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from course.content.loader import load_course
from course.domain.model import Course, Module, demo_departments_of
from course.domain.paths import path_for
from course.domain.permissions import Capability
from course.domain.scenario import ending_of, start_run
from course.services import database, demo, seed
from course.services.demo import DemoPerson
from course.settings import BUNDLED_ROOT
from tests.browser.conftest import WAIT_MS, serve_app, settle, shoot, sign_in_as_demo
from tests.browser.seeding import server_settings
from tests.browser.test_learner_journey import (
    _expect_run_shown,
    _read_every_section,
    _take_attempt,
    _take_first_choice,
)

pytestmark = pytest.mark.browser

HOSPITAL = Path(__file__).resolve().parents[1] / "fixtures" / "hospital"
COURSES = {"bundled": BUNDLED_ROOT, "hospital": HOSPITAL}
#: Synthetic learners written before the server starts, so the dashboard has departments to show.
LEARNERS, ANSWERS = 60, 600
MAX_STEPS = 30


@dataclass(frozen=True, slots=True)
class Served:
    """A server on one course, with the course as the app loads it."""

    name: str
    url: str
    course: Course

    def person(self, wanted: Callable[[DemoPerson], bool]) -> DemoPerson:
        """Return the first of the course's demo people that fits."""
        return next(p for p in demo.demo_people(self.course.info) if wanted(p))


@pytest.fixture(scope="module", params=sorted(COURSES))
def served(request: pytest.FixtureRequest, chromium_path: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Serve one course with a database holding its demo people and some synthetic learners."""
    name = str(request.param)
    content = COURSES[name]
    course = load_course(content).course
    assert course is not None, f"the {name} course does not load"
    data = tmp_path_factory.mktemp(f"nts-{name}")
    settings = server_settings(data, content)
    engine = database.open_database(settings)
    try:
        demo.ensure_demo_organisation(engine, settings, info=course.info)
        seed.seed_bulk(engine, course, learners=LEARNERS, answers=ANSWERS, seed=5)
    finally:
        database.close_database(engine)
    with serve_app(data, content=content) as url:
        yield Served(name, url, course)


def _open(context_on: Callable[[str], BrowserContext], served: Served, person: DemoPerson, *,
          lands_on: str | None = None) -> Page:
    page = context_on(served.url).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    sign_in_as_demo(page, person.label, name=person.name, lands_on=lands_on)
    return page


def _continue(page: Page, module: Module) -> None:
    """From the home page, follow "Continue" to the module."""
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    settle(page)


def test_the_demo_offers_a_learner_for_every_role_of_the_course(
    served: Served, context_on: Callable[[str], BrowserContext], screenshots: Path
) -> None:
    page = context_on(served.url).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    for person in demo.demo_people(served.course.info):
        expect(page.get_by_role("button", name=f"Demo: {person.label}", exact=True)).to_be_visible()
    buttons = page.get_by_role("button", name=re.compile(r"^Demo: "))
    expect(buttons).to_have_count(len(served.course.info.roles) + 3)
    shoot(page, screenshots, f"any-{served.name}-00-sign-in")


def test_a_learner_of_the_first_role_reads_passes_a_quiz_and_finishes_a_scenario(
    served: Served, context_on: Callable[[str], BrowserContext], screenshots: Path
) -> None:
    course = served.course
    role = next(iter(course.info.roles))
    learner = served.person(lambda p: p.tracks == (role,) and Capability.LEADER not in p.capabilities)
    page = _open(context_on, served, learner)
    module = path_for(course, (role,))[0]
    assert module.quiz in course.quizzes and module.scenario in course.scenarios, module.meta.id
    quiz, scenario = course.quizzes[str(module.quiz)], course.scenarios[str(module.scenario)]
    _continue(page, module)
    shoot(page, screenshots, f"any-{served.name}-01-module")
    _read_every_section(page, module, screenshots)

    page.get_by_role("link", name=f"Quiz: {quiz.meta.title}", exact=True).click()
    expect(page.get_by_role("heading", name=quiz.meta.title, level=1, exact=True)).to_be_visible()
    verdict = _take_attempt(page, quiz, right=True)
    assert verdict.startswith("You passed.") and "(100%)" in verdict, verdict
    shoot(page, screenshots, f"any-{served.name}-02-quiz")

    page.get_by_role("link", name="Back to your path").click()
    expect(page.get_by_role("heading", name=f"Welcome, {learner.name}", exact=True)).to_be_visible()
    settle(page)
    # Every section read and the quiz passed: "Continue" goes straight to the scenario.
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=scenario.meta.title, level=1, exact=True)).to_be_visible()
    page.get_by_role("button", name="Start the scenario").click()
    state = start_run(scenario)
    _expect_run_shown(page, scenario, state)
    for _ in range(MAX_STEPS):
        if ending_of(scenario, state) is not None:
            break
        state = _take_first_choice(page, scenario, state)
    ending = ending_of(scenario, state)
    assert ending is not None, "the scenario did not end"
    summary = re.compile(rf"^A {ending.value} ending · your decisions scored \d+%$")
    expect(page.get_by_text(summary)).to_be_visible()
    shoot(page, screenshots, f"any-{served.name}-03-scenario")


def test_the_leader_sees_the_course_s_own_departments_on_the_dashboard(
    served: Served, context_on: Callable[[str], BrowserContext], screenshots: Path
) -> None:
    leader = served.person(lambda p: Capability.LEADER in p.capabilities)
    page = _open(context_on, served, leader, lands_on="Literacy dashboard")
    page.get_by_role("link", name="Literacy dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Literacy dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("tab", name="By department")).to_be_visible()
    ticks = page.locator(".st-key-heat-department .ytick text").filter(has_text=re.compile(r"\S"))
    expect(ticks.first).to_be_visible()
    settle(page)
    departments = {d.name for d in demo_departments_of(served.course.info)}
    shown = set(ticks.all_text_contents())
    assert shown and shown <= departments, (shown, departments)
    competencies = set(served.course.info.competencies.values())
    assert any(label in page.locator("body").inner_text() for label in competencies)
    shoot(page, screenshots, f"any-{served.name}-04-dashboard")


def test_the_trainer_finds_every_file_clean_in_the_studio(
    served: Served, context_on: Callable[[str], BrowserContext], screenshots: Path
) -> None:
    trainer = served.person(lambda p: Capability.TRAINER in p.capabilities)
    page = _open(context_on, served, trainer, lands_on="Content health")
    page.get_by_role("link", name="Content health", exact=True).click()
    expect(page.get_by_role("heading", name="Content health", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile("every file validates"))).to_be_visible()
    settle(page)
    shoot(page, screenshots, f"any-{served.name}-05-studio")
