"""Focus, page titles and the live region, checked in a real browser along a learner's journey by keyboard.

After each step (sign-in, a new section, a quiz answer, a scenario choice) the page itself is
asked where the focus is (`document.activeElement`), what the polite live region says, where
the scroll stands and what the tab is titled; axe runs on each page reached. The Leadership
learner walks it, so the other journeys keep their own learners fresh. A help tooltip is checked
for WCAG 1.4.13 on the administrator's page.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Error, Page, expect

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.scenario import available_choices, current_node, start_run, take_choice
from course.settings import BUNDLED_ROOT
from tests.browser.conftest import WAIT_MS, open_isolated_context, settle, sign_in_as_demo
from tests.browser.keyboard import tab_and_press, tab_to
from tests.browser.test_accessibility import _axe_source, _blocking, _describe

pytestmark = pytest.mark.browser

LABEL = "Learner on the Leadership track"
NAME = "Leadership learner (demo)"
TRACKS = ("leadership",)
SITE = "Need to Share"

_FOCUSED = """() => { const e = document.activeElement;
  return e ? {tag: e.tagName, text: e.textContent.replace(/\\s+/g, ' ').trim()} : null; }"""
_LIVE = """() => { const e = document.getElementById('nts-live');
  return e ? {text: e.textContent, live: e.getAttribute('aria-live')} : null; }"""
_SCROLL = """() => { const m = document.querySelector('[data-testid="stMain"]');
  return Math.max(m ? m.scrollTop : 0, window.scrollY); }"""


def _course() -> Course:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    return course


def _press(page: Page, locator: Any) -> None:
    """Tab from wherever the focus is to a control and press Enter, as a keyboard user would."""
    tab_and_press(page, locator)


def _focus_is(page: Page, tag: str, text: str) -> None:
    page.wait_for_function(f"() => document.activeElement && document.activeElement.tagName === {tag!r}",
                           timeout=WAIT_MS)
    focused = page.evaluate(_FOCUSED)
    assert focused == {"tag": tag, "text": text}


def _live_says(page: Page, pattern: str) -> str:
    page.wait_for_function(
        "(p) => { const e = document.getElementById('nts-live');"
        " return e && new RegExp(p).test(e.textContent); }",
        arg=pattern, timeout=WAIT_MS)
    live = page.evaluate(_LIVE)
    assert live["live"] == "polite"
    assert page.locator("[aria-live]").count() >= 1
    assert page.locator("#nts-live").count() == 1  # one region, never a second
    return str(live["text"])


def _no_serious(page: Page, source: str, where: str) -> None:
    found = _blocking(page, source)
    assert not found, f"axe found on the {where}:\n{_describe(found)}"


def _scroll_to_bottom(page: Page) -> None:
    page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
      if (m) { m.scrollTop = m.scrollHeight; } window.scrollTo(0, document.body.scrollHeight); }""")


@pytest.fixture
def page(browser: Browser, app_url: str) -> Any:
    context = open_isolated_context(browser, app_url)
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def test_focus_title_and_live_region_along_the_learner_journey(page: Page) -> None:
    course = _course()
    module = path_for(course, TRACKS)[0]
    assert module.quiz and module.scenario
    source = _axe_source()
    page.set_viewport_size({"width": 1000, "height": 500})  # short, so the pages scroll

    page.goto("/")
    expect(page.get_by_role("heading", name=SITE, exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    _focus_is(page, "H1", SITE)
    expect(page).to_have_title(f"Sign in - {SITE}")
    assert page.locator("h1 a, h2 a, h3 a").count() == 0  # no "Link to heading" tab stops

    # Sign in by keyboard: the browser goes through the cookie route and back to the home page.
    with page.expect_navigation(timeout=WAIT_MS):
        _press(page, page.get_by_role("button", name=f"Demo: {LABEL}", exact=True))
    expect(page.get_by_role("heading", name=f"Welcome, {NAME}", exact=True)).to_be_visible()
    _focus_is(page, "H1", f"Welcome, {NAME}")
    expect(page).to_have_title(f"Your path - {SITE}")
    settle(page)
    _no_serious(page, source, "home page")

    # A module: its h1 takes the focus and the tab names it.
    _press(page, page.get_by_role("link", name="Continue"))
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    _focus_is(page, "H1", module.meta.title)
    expect(page).to_have_title(f"Module: {module.meta.title} - {SITE}")

    # Each "Mark as read and continue": the new section's h2 is focused, at the top, and announced.
    total = len(module.sections)
    for section in module.sections[1:3]:
        button = page.get_by_role("button", name="Mark as read and continue")
        _scroll_to_bottom(page)
        _press(page, button)
        expect(page.get_by_role("heading", name=section.title, level=2, exact=True)).to_be_visible()
        _focus_is(page, "H2", section.title)
        said = _live_says(page, re.escape(f"Section {section.index + 1} of {total}"))
        assert said == f"Section {section.index + 1} of {total}: {section.title}"
        page.wait_for_function(f"() => ({_SCROLL})() === 0", timeout=WAIT_MS)
        settle(page)
    _no_serious(page, source, "module page after a section change")

    # The contents list opens any section the same way: focus on its h2, announced.
    first = module.sections[0]
    _press(page, page.locator("summary", has_text="Contents"))
    _press(page, page.get_by_role("button", name=re.compile(re.escape(f"1. {first.title} (read)"))))
    expect(page.get_by_role("heading", name=first.title, level=2, exact=True)).to_be_visible()
    _focus_is(page, "H2", first.title)
    assert _live_says(page, re.escape("Section 1 of")) == f"Section 1 of {total}: {first.title}"

    # A quiz answer: the verdict and (when wrong) the right answer are announced; the next
    # question's heading takes the focus.
    quiz = course.quizzes[module.quiz]
    page.goto(f"/quiz?id={quiz.meta.id}")
    expect(page.get_by_role("heading", name=quiz.meta.title, level=1, exact=True)).to_be_visible()
    expect(page).to_have_title(f"Quiz: {quiz.meta.title} - {SITE}")
    form = page.locator('[data-testid="stForm"]')
    option = form.locator("input[type=radio], input[type=checkbox]").first
    tab_and_press(page, option, "Space")
    if not option.is_checked():  # a box drawn a moment ago may not take the first key yet
        option.check()
    expect(option).to_be_checked()
    _scroll_to_bottom(page)
    _press(page, form.get_by_role("button", name="Check answer"))
    heading = page.get_by_role("heading", name=re.compile(r"^Question 2 of \d+$"), level=2)
    expect(heading).to_be_visible()
    _focus_is(page, "H2", heading.inner_text().strip())
    said = _live_says(page, r"^Question 1: (correct|not correct)\.")
    expander = page.get_by_text(re.compile(r"^Question 1: (correct|not correct)$"))
    expect(expander).to_be_visible()
    assert said.startswith(expander.inner_text().strip() + ".")
    if "not correct" in said:
        rights = {", ".join(o.text for o in q.options if o.correct) for q in quiz.questions if q.scored}
        assert any(said == f"Question 1: not correct. The right answer: {r}." for r in rights), said
    page.wait_for_function(f"() => ({_SCROLL})() === 0", timeout=WAIT_MS)
    settle(page)
    _no_serious(page, source, "quiz page after an answer")

    # A scenario: start, then one choice; the consequence, each meter's move and the new
    # situation are announced and the new situation's heading takes the focus.
    scenario = course.scenarios[module.scenario]
    page.goto(f"/scenario?id={scenario.meta.id}")
    expect(page.get_by_role("heading", name=scenario.meta.title, level=1, exact=True)).to_be_visible()
    expect(page).to_have_title(f"Scenario: {scenario.meta.title} - {SITE}")
    # Before a first run: what the scenario is about, what it practises and its meters explained.
    expect(page.get_by_role("heading", name="What you will practise", level=2, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="The meters", level=2, exact=True)).to_be_visible()
    for meter in scenario.meters.values():
        expect(page.get_by_text(f"{meter.label}: starts at {meter.start}", exact=False)).to_be_visible()
    _press(page, page.get_by_role("button", name="Start the scenario"))
    start = scenario.nodes[scenario.start]
    _focus_is(page, "H2", start.title)
    _live_says(page, "^" + re.escape(f"Scenario started. {start.title}.") + "$")
    run = start_run(scenario)
    choice = available_choices(scenario, run)[0]
    after = take_choice(scenario, run, choice.index)
    _scroll_to_bottom(page)
    settle(page)
    _press(page, page.get_by_role("button", name=choice.label_text, exact=True))
    node = current_node(scenario, after)
    _focus_is(page, "H2", node.title)
    said = _live_says(page, "^" + re.escape(f"You chose: {choice.label_text}."))
    for meter in scenario.meters.values():
        old, new = run.meters[meter.id], after.meters[meter.id]
        assert (f"{meter.label} {old} to {new} ({new - old:+d})" if old != new
                else f"{meter.label} stays at {new}") in said
        # The move is also written under the meter, for everyone.
        moved = f"{meter.label} {new - old:+d}" if old != new else f"{meter.label} no change"
        expect(page.get_by_text(moved, exact=True)).to_be_visible()
    assert said.endswith(f"Now: {node.title}.")
    for meter in scenario.meters.values():  # each meter named by its label, its value given
        bar = page.get_by_role("progressbar", name=meter.label, exact=True)
        expect(bar).to_have_attribute("aria-valuetext", str(after.meters[meter.id]))
    page.wait_for_function(f"() => ({_SCROLL})() === 0", timeout=WAIT_MS)
    settle(page)
    _no_serious(page, source, "scenario page after a choice")
    # Long choice texts read from the left, like the story above them.
    first = page.get_by_role("button", name=available_choices(scenario, after)[0].label_text, exact=True)
    assert first.evaluate("b => getComputedStyle(b.querySelector('p')).textAlign") == "left"

    # On to an ending by keyboard: the verdict comes first, then each decision; one press replays.
    while current_node(scenario, after).ending is None:
        choice = available_choices(scenario, after)[0]
        after = take_choice(scenario, after, choice.index)
        _press(page, page.get_by_role("button", name=choice.label_text, exact=True))
        _focus_is(page, "H2", current_node(scenario, after).title)
    said = _live_says(page, r"A (good|mixed|bad) ending: your decisions scored \d+%\.$")
    verdict = page.get_by_text(re.compile(r"^A (good|mixed|bad) ending · your decisions scored \d+%$"))
    expect(verdict).to_be_visible()
    assert verdict.inner_text().split(" · ")[0] in said
    ending = page.get_by_role("heading", name=current_node(scenario, after).title, level=2, exact=True)
    decisions = page.get_by_role("heading", name="Your decisions, one by one", level=3, exact=True)
    assert verdict.bounding_box()["y"] < ending.bounding_box()["y"] < decisions.bounding_box()["y"]
    settle(page)
    _no_serious(page, source, "scenario ending")
    _press(page, page.get_by_role("button", name="Play again", exact=True))
    _focus_is(page, "H2", start.title)
    _live_says(page, "^" + re.escape(f"Scenario started again. {start.title}.") + "$")
    expect(page.get_by_role("button", name=available_choices(scenario, run)[0].label_text, exact=True)) \
        .to_be_visible()


def test_focus_outline_is_drawn_on_a_focused_button(page: Page) -> None:
    """A button reached with Tab gets the 3px outline, in a colour far from white (the page background)."""
    page.goto("/")
    button = page.get_by_role("button", name=f"Demo: {LABEL}", exact=True)
    expect(button).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    page.keyboard.press("Tab")
    for _ in range(40):  # tab forward to the demo button, as a keyboard user would
        if page.evaluate("() => document.activeElement.textContent.includes('Leadership track')"):
            break
        page.keyboard.press("Tab")
    # The stylesheet arrives with the page's elements: give it the time the page takes to draw.
    drawn = ("() => { const s = getComputedStyle(document.activeElement); "
             "return s.outlineStyle === 'solid' ? [s.outlineStyle, s.outlineWidth, s.outlineColor] : null; }")
    with contextlib.suppress(Error):
        page.wait_for_function(drawn, timeout=WAIT_MS)
    style = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                          "return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
    assert style == ["solid", "3px", "rgb(26, 79, 214)"]


def test_at_320_px_home_opens_at_its_h1_and_a_trainer_page_is_titled(page: Page) -> None:
    """At phone width a trainer's landing page opens at the top, its h1 focused, and names itself."""
    source = _axe_source()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    expect(page.get_by_role("heading", name=SITE, exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    with page.expect_navigation(timeout=WAIT_MS):
        _press(page, page.get_by_role("button", name="Demo: Trainer", exact=True))
    _focus_is(page, "H1", "Content health")  # a trainer lands on content health
    page.wait_for_function(f"() => ({_SCROLL})() === 0", timeout=WAIT_MS)
    settle(page)
    _no_serious(page, source, "a trainer's landing page at 320 px")
    page.goto("/studio_health")
    expect(page.get_by_role("heading", name="Content health", level=1, exact=True)).to_be_visible()
    expect(page).to_have_title(f"Content health - {SITE}")
    _focus_is(page, "H1", "Content health")


HELP = "Without one, the person cannot sign in until an admin sets it."
HELP_FOR = "Help for Initial passphrase (optional, at least 12 characters)"


def _centre(box: Any) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_help_tooltip_stays_while_hovered_and_goes_with_escape(page: Page) -> None:
    """WCAG 1.4.13 on the admin's "?" help: shown on hover and on focus, kept while the pointer is
    on the tooltip itself, and hidden by Escape without the pointer or the focus moving."""
    page.set_viewport_size({"width": 1280, "height": 1600})  # the form in view: nothing scrolls
    page.goto("/")
    demo = page.get_by_role("button", name="Demo: Administrator", exact=True)
    expect(demo).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    sign_in_as_demo(page, "Administrator", name="Ada Admin (demo)", lands_on="People")
    button = page.get_by_role("button", name=HELP_FOR, exact=True)
    tip = page.get_by_role("tooltip").filter(has_text=HELP)
    # The people table draws late and pushes the form down: wait until the "?" stops moving.
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    page.wait_for_function("(e) => { const top = e.getBoundingClientRect().top, was = e.ntsTop;"
                           " e.ntsTop = top; return was === top; }",
                           arg=button.element_handle(), polling=250, timeout=WAIT_MS)

    button.hover()  # Playwright checks that the "?" itself is what the pointer lands on
    expect(tip).to_be_visible()
    # Straight up from the "?" across the 10 px gap onto the tooltip, then along its text; Streamlit
    # waits 300 ms after the pointer leaves the "?" before it closes, long enough to cross the gap.
    x, y = _centre(button.bounding_box())
    box = tip.bounding_box()
    assert box is not None and box["y"] + box["height"] < y  # drawn above the "?"
    page.mouse.move(x, box["y"] + box["height"] - 6, steps=3)
    page.mouse.move(*_centre(box), steps=5)
    page.wait_for_timeout(1000)  # well past any delay before a tooltip closes
    expect(tip).to_be_visible()
    page.keyboard.press("Escape")  # the pointer stays where it is, on the tooltip
    expect(tip).to_be_hidden()

    page.mouse.move(0, 0)
    tab_to(page, button)
    expect(tip).to_be_visible()
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    expect(button).to_be_focused()
