"""A hostile course and roster served to a real browser: every page shows the payload as text.

The course of tests/ui/hostile_text.py carries links and images to an attacker's host, emphasis,
colour directives, formulas, raw HTML with a script, shortcodes and bare addresses in every
plain-text field, and a person with such a name and department is on the roster. A learner, a
trainer and an admin open each of their pages, and a learner opens addresses whose `?id=` is a
link or an image. On every page: no image or link to the attacker's host, no script run, no
dialog, no bold, colour, formula or icon made from the payload, and the payload's words are there
as text, so the page really showed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from course.content.loader import load_course
from course.domain.permissions import Capability, Grants
from course.services import database
from course.services.accounts import add_account
from tests.browser.conftest import serve_app, settle, sign_in_as_demo
from tests.browser.seeding import server_settings
from tests.ui.hostile_text import (
    ADDRESS_IDS,
    BOLD_WORD,
    COLOUR_WORD,
    EVIL_HOST,
    HOSTILE_PERSON,
    IN_BODY,
    write_hostile_course,
)

pytestmark = pytest.mark.browser

#: Anything on the page that the payload must never become.
#: (The page's own bold may hold a whole title; payload bold is an element of the word alone.)
RENDERED = (f"img[src*='{EVIL_HOST}'], a[href*='{EVIL_HOST}'], iframe, .katex, "
            f"strong:text-is('{BOLD_WORD}'), b:text-is('{BOLD_WORD}'), em:text-is('{BOLD_WORD}'), "
            f"span:text-is('{COLOUR_WORD}'), [data-testid='stIconMaterial']:text-is('warning'), "
            "img[alt='x']")
#: Dialogs each page opened (an alert from an injected script would land here).
_DIALOGS: dict[int, list[str]] = {}
SignIn = Callable[..., Page]  # (label, name, heading landed on: a learner's by default)


@pytest.fixture(scope="module")
def hostile_url(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the hostile course with the hostile person on the roster."""
    root = tmp_path_factory.mktemp("hostile")
    content = write_hostile_course(root / "content")
    assert not load_course(content).diagnostics
    data = root / "data"
    data.mkdir()
    engine = database.open_database(server_settings(data, content))
    try:
        add_account(engine, HOSTILE_PERSON["email"], name=HOSTILE_PERSON["name"], by=None,
                    grants=Grants(capabilities=frozenset({Capability.LEARNER})),
                    department=HOSTILE_PERSON["department"], tracks=("legal",))
    finally:
        database.close_database(engine)
    with serve_app(data, content=content) as url:
        yield url


@pytest.fixture
def signed_in(context_on: Callable[[str], BrowserContext], hostile_url: str) -> SignIn:
    """Return a function that opens a context on the hostile server signed in as a demo person."""
    def open_as(label: str, name: str, lands_on: str | None = None) -> Page:
        page = context_on(hostile_url).new_page()
        dialogs = _DIALOGS.setdefault(id(page), [])
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto("/")
        expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible()
        # The demo buttons are named after the course's roles: a trainer's text, before sign-in.
        _check(page, "sign-in page")
        sign_in_as_demo(page, label, name=name, lands_on=lands_on)
        return page

    return open_as


def _check(page: Page, where: str, *, shows_payload: bool = True) -> None:
    if shows_payload:
        expect(page.get_by_text(BOLD_WORD).first).to_be_visible()
    settle(page)
    found = page.locator(RENDERED)
    assert found.count() == 0, f"{where}: {found.first.evaluate('e => e.outerHTML')}"
    assert page.evaluate("() => window.__pwned === undefined"), where
    assert _DIALOGS[id(page)] == [], where


def _visit(page: Page, path: str, where: str, wait_for: str, **options: bool) -> None:
    page.goto(path)
    expect(page.get_by_text(wait_for, exact=False).first).to_be_visible()
    _check(page, where, **options)


def test_a_learner_sees_the_hostile_course_as_text(signed_in: SignIn) -> None:
    page = signed_in("Learner on the HR track", "HR learner (demo)")
    expect(page.get_by_role("link", name=re.compile(r"^Open ")).last).to_be_visible()  # the path's last row
    _check(page, "home")
    _visit(page, "/module?id=intro", "module", "Section 1 of 1")
    page.get_by_role("button", name="Finish reading").click()
    expect(page.get_by_text("1 of 1 sections read")).to_be_visible()
    _check(page, "module, read")
    _visit(page, "/quiz?id=intro-quiz", "quiz", "Pass mark")
    page.get_by_role("radiogroup").get_by_role("radio").first.check(force=True)
    page.get_by_role("button", name="Check answer").click()
    verdict = page.get_by_text("Correct.", exact=True).or_(page.get_by_text("Not quite.", exact=True))
    expect(verdict).to_be_visible()
    _check(page, "quiz, feedback")
    _visit(page, "/scenario?id=first-day", "scenario", "Start the scenario")
    page.get_by_role("button", name="Start the scenario").click()
    expect(page.get_by_text("What do you do?")).to_be_visible()
    _check(page, "scenario, a node")
    # The good choice starts with the payload; the longer bad one starts "Ignore it, ".
    page.get_by_role("button", name=re.compile("^" + re.escape(f"C {BOLD_WORD} $x^2$"))).click()
    expect(page.get_by_text(re.compile(r"^A good ending · "))).to_be_visible()  # not the live region's words
    _check(page, "scenario, the ending")
    _visit(page, "/profile", "profile", "My literacy profile")


@pytest.mark.parametrize("item_id", ADDRESS_IDS[:2])
def test_an_address_shows_no_link_or_image(signed_in: SignIn, item_id: str) -> None:
    page = signed_in("Learner on the HR track", "HR learner (demo)")
    for kind in ("module", "quiz", "scenario"):
        _visit(page, f"/{kind}?id={quote(item_id)}", f"{kind}?id={item_id}", f"That {kind} does not exist.",
               shows_payload=False)
        assert page.get_by_text(item_id).count() == 0


def test_a_trainer_sees_the_hostile_course_as_text(signed_in: SignIn) -> None:
    page = signed_in("Trainer", "Tara Trainer (demo)", "Content health")
    _visit(page, "/studio_health", "health", "Content health", shows_payload=False)
    page.get_by_role("tab", name="Course map").click()
    _check(page, "course map")
    _visit(page, "/studio_preview", "preview, module", "Preview: nothing you do here is recorded.")
    for kind in ("Quiz", "Scenario"):
        page.get_by_text(kind, exact=True).first.click()
        settle(page)
        _check(page, f"preview, {kind}")
    _visit(page, f"/studio_editor?file={quote(ADDRESS_IDS[0])}&line=1", "editor", "Edit content",
           shows_payload=False)
    # The file's own text in the editor's box: as text in the textarea and in the lines drawn behind it.
    _visit(page, "/studio_editor?file=modules/intro.md", "editor, a hostile file", "Edit content")
    expect(page.get_by_role("textbox", name="Content", exact=True)).to_have_value(
        re.compile(re.escape(f"\n## {IN_BODY}\n")))
    _check(page, "editor, a hostile file")
    _visit(page, "/studio_analytics", "analytics", "Learning from learners", shows_payload=False)


def test_an_admin_sees_the_hostile_person_as_text(signed_in: SignIn) -> None:
    page = signed_in("Administrator", "Ada Admin (demo)", "People")
    _visit(page, "/admin_people", "people", "Manage a person", shows_payload=False)
    _visit(page, "/admin_roster", "roster", "Roster import", shows_payload=False)
    _visit(page, "/admin_audit", "audit", "Audit log", shows_payload=False)
