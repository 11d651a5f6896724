"""Ordering and matching answered by keyboard alone in a real browser, with axe on each page.

The server runs on a small course whose quiz holds every kind of question (the services test's
quiz, in file order). Select boxes are reached and filled by keyboard, as someone who cannot use
a mouse or drag would, and the checked pages must show no serious or critical axe violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import open_isolated_context, serve_app, settle, shoot, sign_in_as_demo
from tests.browser.test_accessibility import _axe_source, _blocking, _describe
from tests.conftest import MANIFEST, MODULE, SCENARIO
from tests.services.test_question_kinds import KINDS

pytestmark = pytest.mark.browser

ORDER = ["Acknowledge the post", "Check the facts", "Post the update", "Review what happened"]
MATCH = {"X": "reposts", "TikTok": "an algorithmic feed", "LinkedIn": "a professional network"}


@pytest.fixture(scope="module")
def kinds_url(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("nts-kinds")
    anchor = "competencies: [crisis, listening]\n"
    files = {"course.yaml": MANIFEST, "modules/intro.md": MODULE, "scenarios/first-day.md": SCENARIO,
             "quizzes/intro-quiz.md": KINDS.replace(anchor, anchor + "shuffle: false\n")}
    for name, text in files.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "data").mkdir()
    with serve_app(root / "data", content=root / "content") as url:
        yield url


def _open_list(page: Page, box: str) -> None:
    """Focus a select box and open its list with the down arrow, as a keyboard user would.

    A box drawn a moment ago may not take the first key yet: the arrow is pressed again (after
    Escape) until the list is open, each time waiting on the page rather than on the clock.
    """
    combobox = page.get_by_role("combobox", name=box, exact=True)
    for _ in range(5):
        combobox.focus()
        page.keyboard.press("ArrowDown")
        try:
            expect(combobox).to_have_attribute("aria-expanded", "true", timeout=2_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(combobox).to_have_attribute("aria-expanded", "true")


def _by_keyboard(page: Page, box: str, option: str) -> None:
    """Open a select box's list, type the option's words and press Enter: no mouse, no dragging."""
    _open_list(page, box)
    page.keyboard.type(option)
    # The list narrows as the words are typed; Enter takes the option it then highlights.
    expect(page.get_by_role("option", name=option, exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # leaving the box keeps only a chosen option, never typed text
    expect(page.get_by_role("combobox", name=box, exact=True)).to_have_value(option)
    settle(page)


def _press(page: Page, name: str) -> None:
    button = page.get_by_role("button", name=name, exact=True)
    button.focus()
    page.keyboard.press("Enter")


def _check_choice(page: Page, label: str, number: int) -> None:
    form = page.locator('[data-testid="stForm"]')
    expect(form.locator("input").first).to_be_attached()
    form.locator("label").filter(has_text=label).first.click()
    _press(page, "Check answer")
    expect(page.get_by_text(f"Question {number}: ", exact=False).last).to_be_visible()
    settle(page)


def test_ordering_and_matching_by_keyboard_without_serious_violations(
        browser: Browser, kinds_url: str, screenshots: Path) -> None:
    source = _axe_source()
    context = open_isolated_context(browser, kinds_url)
    try:
        page = context.new_page()
        page.goto("/")
        sign_in_as_demo(page, "Learner on the Legal track", name="Legal learner (demo)")
        page.get_by_role("link", name="Continue").click()
        page.get_by_role("button", name="Finish reading").click()
        expect(page.get_by_text("1 of 1 sections read", exact=True)).to_be_visible()
        page.get_by_role("link", name="Quiz: Introduction check", exact=True).click()
        expect(page.get_by_role("heading", name="Question 1 of 4", exact=True)).to_be_visible()
        _check_choice(page, "Listen", 1)
        expect(page.get_by_role("heading", name="Question 2 of 4", exact=True)).to_be_visible()
        _check_choice(page, "Alerts", 2)

        expect(page.get_by_role("heading", name="Question 3 of 4", exact=True)).to_be_visible()
        expect(page.get_by_role("combobox", name="Position 1 of 4 (first)", exact=True)).to_be_visible()
        settle(page)
        found = {"ordering": _blocking(page, source)}
        shoot(page, screenshots, "kinds-ordering")
        for label, text in zip(["Position 1 of 4 (first)", "Position 2 of 4", "Position 3 of 4",
                                "Position 4 of 4 (last)"], ORDER, strict=True):
            _by_keyboard(page, label, text)
        _press(page, "Check answer")
        expect(page.get_by_text("Correct: all 4 positions are right.", exact=True)).to_be_visible()

        expect(page.get_by_role("heading", name="Question 4 of 4", exact=True)).to_be_visible()
        expect(page.get_by_role("combobox", name="X", exact=True)).to_be_visible()
        settle(page)
        for left, right in MATCH.items():
            _by_keyboard(page, left, right if left != "X" else "a professional network")
        _press(page, "Check answer")
        expect(page.get_by_text("Each item can be used once: two boxes hold the same one.",
                                exact=True)).to_be_visible()
        _by_keyboard(page, "X", "reposts")
        _by_keyboard(page, "LinkedIn", "a professional network")
        _press(page, "Check answer")
        expect(page.get_by_text("Correct: all 3 pairs are right.", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Your reflection", exact=True)).to_be_visible()
        settle(page)
        found["matching feedback and reflection"] = _blocking(page, source)
        shoot(page, screenshots, "kinds-reflection")
        problems = {name: v for name, v in found.items() if v}
        assert problems == {}, "\n".join(f"{name}:\n{_describe(v)}" for name, v in problems.items())
    finally:
        context.close()
