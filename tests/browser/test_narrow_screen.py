"""axe at 320 px (phone width) on every page each role can reach.

One seeded server; one browser context per person, each sized 320 by 640: the leader (who is
also a learner) walks the learner pages and the dashboard, the administrator (who holds the
trainer's studio pages too) walks the studio and the administration pages. Each page is opened
by its address, as a person following a link would, and axe runs once it has drawn. A serious
or critical finding (or any skipped heading level) fails the page's own test. On the
dashboard the walk also reads the department heatmap's drawn values, which must all stay
legible at 320 px (the heatmap scrolls sideways in its own box rather than shrinking them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.permissions import Capability
from tests.browser.conftest import (
    WAIT_MS,
    ServedCourse,
    open_isolated_context,
    settle,
    shoot,
    sign_in_as_demo,
)
from tests.browser.layout import SIDEWAYS
from tests.browser.test_accessibility import Violations, _axe_source, _blocking, _demo, _describe

pytestmark = pytest.mark.browser

@dataclass(frozen=True, slots=True)
class Stop:
    """One page of a tour: its name in the test id, its address and the h1 it shows."""

    name: str
    address: str
    heading: Callable[[Course], str]


def _first_module(course: Course) -> str:
    return path_for(course, ("leadership",))[0].meta.id


def _module_title(course: Course) -> str:
    return course.modules[_first_module(course)].meta.title


def _quiz(course: Course) -> str:
    return str(course.modules[_first_module(course)].quiz)


def _scenario(course: Course) -> str:
    return str(course.modules[_first_module(course)].scenario)


LEADER_STOPS = (
    Stop("dashboard", "/dashboard", lambda c: "Literacy dashboard"),
    Stop("home", "/home", lambda c: "Welcome, Lars Leader (demo)"),
    Stop("module", "/module?id={module}", _module_title),
    Stop("quiz", "/quiz?id={quiz}", lambda c: c.quizzes[_quiz(c)].meta.title),
    Stop("scenario", "/scenario?id={scenario}", lambda c: c.scenarios[_scenario(c)].meta.title),
    Stop("profile", "/profile", lambda c: "My literacy profile"),
    Stop("search and glossary", "/search", lambda c: "Search and glossary"),
)
ADMIN_STOPS = (
    Stop("people", "/admin_people", lambda c: "People"),
    Stop("roster import", "/admin_roster", lambda c: "Roster import"),
    Stop("audit log", "/admin_audit", lambda c: "Audit log"),
    Stop("privacy settings", "/admin_privacy", lambda c: "Privacy settings"),
    Stop("content health", "/studio_health", lambda c: "Content health"),
    Stop("preview", "/studio_preview", lambda c: "Preview"),
    Stop("editor", "/studio_editor", lambda c: "Edit content"),
    Stop("studio analytics", "/studio_analytics", lambda c: "Learning from learners"),
)
PAGES = ["sign-in"] + [f"leader {s.name}" for s in LEADER_STOPS] + [f"admin {s.name}" for s in ADMIN_STOPS]


#: The words of every value the department heatmap draws, with its font size in pixels.
_HEATMAP_TEXTS = """() => {
  const box = document.querySelector('[class*="st-key-nts-heatmap-heat-department"]');
  if (!box) { return null; }
  return Array.from(box.querySelectorAll("svg text"))
    .filter((t) => /^(\\d+%|hidden|no data)$/.test(t.textContent.trim()))
    .map((t) => [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize),
                 t.getBoundingClientRect().width]);
}"""

#: WCAG 1.4.12's text spacing, applied to every element; then the text that no longer fits the
#: box it is drawn in and is cut off (a box that hides its overflow and is now too small for it).
_SPACED_AND_CUT = """async () => {
  const style = document.createElement("style");
  style.textContent = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;
  document.head.appendChild(style);
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const cut = [];
  for (const node of document.querySelectorAll('[data-testid="stMain"] *')) {
    const look = getComputedStyle(node);
    const hides = (v) => v === "hidden" || v === "clip";
    const own = Array.from(node.childNodes).some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!own || node.clientHeight === 0 || look.position === "absolute") { continue; }
    if ((hides(look.overflowY) && node.scrollHeight > node.clientHeight + 2)
        || (hides(look.overflowX) && node.scrollWidth > node.clientWidth + 2
            && look.textOverflow !== "ellipsis")) {
      cut.push(`${node.tagName.toLowerCase()}: ${node.textContent.trim().slice(0, 40)}`);
    }
  }
  style.remove();
  return cut.slice(0, 5);
}"""

#: What the walk found besides axe's findings: the department heatmap's drawn values, and each
#: page's sideways overflow (under "sideways <page>") and text cut off under WCAG's text
#: spacing (under "spacing <page>").
HEATMAP = "heatmap"


def _tour(page: Page, course: Course, source: str, stops: tuple[Stop, ...], who: str,
          screenshots: Path) -> dict[str, Violations]:
    ids = {"module": _first_module(course), "quiz": _quiz(course), "scenario": _scenario(course)}
    found: dict[str, Violations] = {}
    for stop in stops:
        page.goto(stop.address.format(**ids))
        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=WAIT_MS * 2)
        title = stop.heading(course)
        if stop.name != "preview":  # the preview's h1 is the item it shows
            expect(page.get_by_role("heading", name=title, level=1, exact=True)).to_be_visible()
        settle(page)
        found[f"{who} {stop.name}"] = _blocking(page, source)
        found[f"sideways {who} {stop.name}"] = page.evaluate(SIDEWAYS)
        found[f"spacing {who} {stop.name}"] = page.evaluate(_SPACED_AND_CUT)
        if stop.name == "dashboard":  # Plotly draws after the page has settled
            box = page.locator('[class*="st-key-nts-heatmap-heat-department"]')
            expect(box.locator("svg text").first).to_be_attached(timeout=WAIT_MS * 2)
            found[HEATMAP] = page.evaluate(_HEATMAP_TEXTS)
        shoot(page, screenshots, f"narrow-{who}-{stop.name.replace(' ', '-')}")
    return found


@pytest.fixture(scope="module")
def narrow_violations(browser: Browser, seeded_app: ServedCourse,
                      screenshots: Path) -> Iterator[dict[str, Violations]]:
    """Walk every page at 320 px as the leader and as the administrator; axe each page once."""
    course = load_course(seeded_app.content).course
    assert course is not None
    source = _axe_source()
    found: dict[str, Violations] = {}
    opened = []
    try:
        for who, capability, stops, lands_on in (
            ("leader", Capability.LEADER, LEADER_STOPS, "Literacy dashboard"),
            ("admin", Capability.ADMIN, ADMIN_STOPS, "People"),
        ):
            context = open_isolated_context(browser, seeded_app.url)
            opened.append(context)
            page = context.new_page()
            page.set_viewport_size({"width": 320, "height": 640})
            person = _demo(capability)
            page.goto("/")
            button = page.get_by_role("button", name=f"Demo: {person.label}", exact=True)
            expect(button).to_be_visible(timeout=WAIT_MS * 2)
            settle(page)
            if who == "leader":
                found["sign-in"] = _blocking(page, source)
            sign_in_as_demo(page, person.label, name=person.name, lands_on=lands_on)
            found.update(_tour(page, course, source, stops, who, screenshots))
        yield found
    finally:
        for context in opened:
            context.close()


@pytest.mark.parametrize("page_name", PAGES)
def test_no_serious_or_critical_violation_at_320_px(narrow_violations: dict[str, Violations],
                                                    page_name: str) -> None:
    found = narrow_violations[page_name]
    assert not found, f"axe found on the {page_name} page at 320 px:\n{_describe(found)}"


def test_department_heatmap_keeps_its_values_at_320_px(narrow_violations: dict[str, Violations],
                                                       seeded_app: ServedCourse) -> None:
    drawn = narrow_violations[HEATMAP]
    assert drawn, "the department heatmap drew no values at 320 px"
    course = load_course(seeded_app.content).course
    assert course is not None
    assert len(drawn) >= len(course.info.competencies), drawn
    small = [(text, size) for text, size, width in drawn if size < 10 or width <= 0]
    assert not small, f"values drawn too small to read at 320 px: {small}"


@pytest.mark.parametrize("page_name", PAGES[1:])
def test_page_does_not_scroll_sideways_at_320_px(narrow_violations: dict[str, Violations],
                                                 page_name: str) -> None:
    past = narrow_violations[f"sideways {page_name}"]
    assert not past, f"on the {page_name} page, content reaches past a 320 px screen: {past}"


@pytest.mark.parametrize("page_name", PAGES[1:])
def test_text_spacing_cuts_off_no_text_at_320_px(narrow_violations: dict[str, Violations],
                                                 page_name: str) -> None:
    cut = narrow_violations[f"spacing {page_name}"]
    assert not cut, f"on the {page_name} page, WCAG text spacing cuts off: {cut}"
