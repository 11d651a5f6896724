"""The trainer's, the leader's and the administrator's main journeys, by keyboard alone.

Each step is done with page.keyboard only: Tab (forward, as far as the control wanted), Enter,
Space, the arrow keys and typing. After each step the test asks where the focus is by role and
accessible name (Playwright's role locators read the accessibility tree) and what the polite
live region (#nts-live) says. One seeded server serves all three people, each in a context of
their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from course.domain.permissions import Capability
from tests.browser.conftest import WAIT_MS, ServedCourse, open_isolated_context, settle, sign_in_as_demo
from tests.browser.keyboard import focused as _focused
from tests.browser.keyboard import tab_to as _tab_to
from tests.browser.test_accessibility import _demo

pytestmark = pytest.mark.browser

SITE = "Need to Share"
#: A file with errors, added to the seeded course so the health page lists a file to open.
BROKEN_FILE = "quizzes/keyboard-check.md"
BROKEN_TEXT = "---\nid: keyboard-check\nroles: [legal]\npick: nine\n---\n\nNo questions yet.\n"
def _live_says(page: Page, pattern: str) -> str:
    page.wait_for_function(
        "(p) => { const e = document.getElementById('nts-live');"
        " return e && new RegExp(p).test(e.textContent); }",
        arg=pattern, timeout=WAIT_MS)
    assert page.locator("#nts-live").get_attribute("aria-live") == "polite"
    assert page.locator("#nts-live").count() == 1
    return str(page.locator("#nts-live").text_content())


def _signed_in(browser: Browser, served: ServedCourse, capability: Capability, lands_on: str) -> Page:
    context = open_isolated_context(browser, served.url)
    page = context.new_page()
    person = _demo(capability)
    page.goto("/")
    expect(page.get_by_role("button", name=f"Demo: {person.label}")).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    sign_in_as_demo(page, person.label, name=person.name, lands_on=lands_on)
    # A page opened afresh gives its h1 the focus.
    expect(page.get_by_role("heading", name=lands_on, level=1, exact=True)).to_be_focused()
    expect(page).to_have_title(f"{lands_on} - {SITE}")
    assert page.evaluate("document.documentElement.lang").startswith("en")  # the page's language
    return page


@pytest.fixture
def contexts() -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def test_a_trainer_opens_a_broken_file_from_content_health_and_validates_it_by_keyboard(
    browser: Browser, seeded_app: ServedCourse, contexts: list[BrowserContext]
) -> None:
    broken = seeded_app.content / BROKEN_FILE
    broken.write_text(BROKEN_TEXT, encoding="utf-8")
    try:
        page = _signed_in(browser, seeded_app, Capability.TRAINER, "Content health")
        contexts.append(page.context)

        # From the h1, Tab forward to the broken file's "Open in the editor" link and follow it.
        problems = page.get_by_test_id("stExpander").filter(has_text=BROKEN_FILE)
        expect(problems).to_be_visible()
        _tab_to(page, problems.get_by_role("link", name="Open in the editor"))
        page.keyboard.press("Enter")
        heading = page.get_by_role("heading", name="Edit content", level=1, exact=True)
        expect(heading).to_be_focused()
        expect(page).to_have_title(f"Edit content - {SITE}")
        expect(page.get_by_role("textbox", name="Content", exact=True)).to_have_value(BROKEN_TEXT)
        settle(page)

        # Validate: the result's heading takes the focus and the live region says what was found.
        _tab_to(page, page.get_by_role("button", name="Validate", exact=True))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Validation result", level=2, exact=True)).to_be_focused()
        said = _live_says(page, r"^Validated: ")
        verdict = (r"Validated: [1-9]\d* errors?, \d+ warnings? in this file"
                   r"(; \d+ problems? in other files)?\.")
        assert re.fullmatch(verdict, said), said
        expect(page.get_by_role("alert").first).to_be_visible()
    finally:
        broken.unlink(missing_ok=True)


def test_a_leader_filters_the_dashboard_opens_a_breakdown_and_downloads_an_export_by_keyboard(
    browser: Browser, seeded_app: ServedCourse, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    page = _signed_in(browser, seeded_app, Capability.LEADER, "Literacy dashboard")
    contexts.append(page.context)
    settle(page)

    # A filter: the departments box in the sidebar, before the page in the tab order.
    _tab_to(page, page.get_by_role("combobox", name="Departments", exact=True), back=True)
    expect(page.get_by_role("combobox", name="Departments", exact=True)).to_be_focused()
    page.keyboard.type("Legal")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Remove Legal", exact=True)).to_be_visible()
    said = _live_says(page, "^Filter changed: departments")
    assert said == "Filter changed: departments. The dashboard is drawn again for it."
    expect(page.get_by_role("combobox", name="Departments", exact=True)).to_be_focused()  # focus kept
    settle(page)

    # A breakdown by track: Tab reaches the tab list's chosen tab; the arrow keys move along it.
    _tab_to(page, page.get_by_role("tab", name="By department", exact=True))
    by_track = page.get_by_role("tab", name="By track and level", exact=True)
    _arrow_to(page, by_track)
    page.keyboard.press("Enter")
    expect(by_track).to_have_attribute("aria-selected", "true")
    settle(page)

    # An export: the Downloads tab, then one button per table that downloads at once.
    downloads = page.get_by_role("tab", name="Downloads", exact=True)
    _arrow_to(page, downloads)
    page.keyboard.press("Enter")
    expect(downloads).to_have_attribute("aria-selected", "true")
    settle(page)
    button = page.get_by_role("button", name="Literacy score by department and competency (CSV)", exact=True)
    _tab_to(page, button)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "literacy-department.csv"
    saved = tmp_path / "department.csv"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").splitlines()[0].startswith("Department,")


def _arrow_to(page: Page, target: Locator) -> None:
    """Press the right arrow along a tab list until `target` has the focus."""
    for _ in range(12):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"the arrow keys never reached {target}; at {_focused(page)}")


def test_an_administrator_searches_opens_a_person_and_saves_a_change_by_keyboard(
    browser: Browser, seeded_app: ServedCourse, contexts: list[BrowserContext]
) -> None:
    email = next(e for e in seeded_app.seeded.emails if e.startswith("cohort001@"))
    page = _signed_in(browser, seeded_app, Capability.ADMIN, "People")
    contexts.append(page.context)
    settle(page)

    # Search: the count of accounts found is read out; the focus stays in the search box.
    _tab_to(page, page.get_by_role("textbox", name="Search by email, name or department"))
    page.keyboard.type("cohort001")
    page.keyboard.press("Enter")
    said = _live_says(page, "matching")
    assert said == "1 account(s) matching “cohort001”."
    expect(page.get_by_role("textbox", name="Search by email, name or department")).to_be_focused()
    settle(page)

    # Open the person: the "Person" box, typed into and chosen with Enter.
    _tab_to(page, page.get_by_role("combobox", name="Person", exact=True))
    page.keyboard.type("cohort001")
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Passphrase")).to_be_visible()
    settle(page)

    # Change something and save it: a new passphrase, on the second tab, reached with an arrow key.
    _tab_to(page, page.get_by_role("tab", name="Access"))
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Passphrase")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Passphrase")).to_have_attribute("aria-selected", "true")
    _tab_to(page, page.get_by_label("New passphrase (at least 12 characters)"))
    page.keyboard.type("a long keyboard passphrase")
    _tab_to(page, page.get_by_label("Repeat the new passphrase"))  # past the "show" eye button
    page.keyboard.type("a long keyboard passphrase")
    _tab_to(page, page.get_by_role("button", name="Set passphrase"))
    page.keyboard.press("Enter")

    # The page's h1 takes the focus and the live region says what was saved.
    expect(page.get_by_role("heading", name="People", level=1, exact=True)).to_be_focused()
    said = _live_says(page, "^Set a new passphrase for ")
    assert said == f"Set a new passphrase for {email}."
    expect(page.get_by_text(f"Set a new passphrase for {email}.", exact=True)).to_be_visible()
