"""Take the screenshots of the guides: the new screens each role meets, as PNGs in docs/img.

Run it by hand from the repository root after a change to a screen the guides show (it is not
part of CI):

    python docs/img/make_screenshots.py            # every screenshot
    python docs/img/make_screenshots.py studio     # only the studio's (or: learner, admin)

It serves a copy of the bundled course in demo mode on a free port, with a database seeded as
the browser tests seed it (so the dashboards and statistics have data), and drives Debian's
chromium with Playwright: an administrator assigns a track, a learner reads, fails a quiz and
plays scenarios, a leader opens their team, a trainer opens the studio. Each picture is cut to
the page's main column (no menu) and to where its content ends, and kept under MAX_BYTES.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright  # noqa: E402

from course.content.loader import load_course  # noqa: E402
from course.domain.model import BlockKind, Course  # noqa: E402
from course.domain.paths import path_for  # noqa: E402
from course.domain.permissions import Actor, Capability  # noqa: E402
from course.domain.scenario import available_choices, current_node, ending_of, start_run, take_choice  # noqa: E402
from course.services import database  # noqa: E402
from course.services.studio_files import open_file, save  # noqa: E402
from course.store import people  # noqa: E402
from course.store.engine import Engine, read_session, write_transaction  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM_ARGS,
    WAIT_MS,
    ServedCourse,
    open_isolated_context,
    serve_seeded_copy,
    settle,
    sign_in_as_demo,
)
from tests.browser.seeding import server_settings  # noqa: E402
from tests.browser.test_learner_journey import _take_attempt  # noqa: E402
from tests.bundled import BUNDLED_DEMO_PEOPLE, BUNDLED_INFO  # noqa: E402

OUT = ROOT / "docs" / "img"
DESKTOP: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
#: The largest a screenshot may be; a bigger one is reduced to 256 colours.
MAX_BYTES = 250_000
#: White space kept around the content when a picture is cut to it.
MARGIN = 16
LEARNER = next(p for p in BUNDLED_DEMO_PEOPLE if p.local == "legal.learner")
#: The first track: the assignment form offers it first.
TRACKS = ("legal",)
#: The app focuses each page's h1 for screen readers; its ring is not what the picture is about.
_NO_FOCUS_RING = ("html body *:focus, html body *:focus-visible, html body h1[tabindex='-1']:focus,"
                  " html body h2[tabindex='-1']:focus, html body h3[tabindex='-1']:focus"
                  " { outline: none !important; box-shadow: none !important; }")
#: True once no widget is still drawn as a grey placeholder (widget code loads lazily).
_DRAWN = """() => document.querySelector(
  '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]') === null"""
#: Scroll an element to the top of the main column, below the app's header bar.
_TO_TOP = """(e) => { e.scrollIntoView({block: 'start'});
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) { main.scrollBy(0, -64); } }"""
#: A scenario longer than this is not going to end by always taking the first choice.
MAX_STEPS = 40
#: The module file shown in the editor, with a history of two saved versions.
EDITED_FILE = "modules/conversation-not-broadcast.md"


def _person(capability: Capability) -> tuple[str, str]:
    person = next(p for p in BUNDLED_DEMO_PEOPLE if capability in p.capabilities)
    return person.label, person.name


def _trimmed(png: bytes) -> Image.Image:
    """Cut the picture to its content (what differs from the white page) plus a margin."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box is None:
        return image
    left, top, right, bottom = box
    return image.crop((max(0, left - MARGIN), max(0, top - MARGIN),
                       min(image.width, right + MARGIN), min(image.height, bottom + MARGIN)))


def _save(image: Image.Image, name: str) -> None:
    path = OUT / f"{name}.png"
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    if buffer.tell() > MAX_BYTES:
        buffer = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
    path.write_bytes(buffer.getvalue())
    print(f"{path.relative_to(ROOT)}: {image.width}x{image.height}, {buffer.tell() // 1024} KB")


def shoot(page: Page, name: str, *, start: str | None = None) -> None:
    """Save what the main column shows, from the element matching `start` when given."""
    settle(page)
    page.add_style_tag(content=_NO_FOCUS_RING)
    page.wait_for_function(_DRAWN, timeout=WAIT_MS)
    page.wait_for_timeout(800)  # let transitions (expanders, progress bars) finish drawing
    if start is not None:
        page.locator(start).first.evaluate(_TO_TOP)
        page.wait_for_timeout(200)
    viewport = page.viewport_size
    assert viewport is not None
    column = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert column is not None
    left = max(0.0, column["x"] + 2)  # past the menu's border
    clip = {"x": left, "y": 0.0, "width": min(column["width"], viewport["width"] - left),
            "height": float(viewport["height"])}
    _save(_trimmed(page.screenshot(clip=clip)), name)  # type: ignore[arg-type]


@contextmanager
def signed_in(browser: Browser, url: str, capability: Capability | None = None, *,
              lands_on: str | None = None, size: ViewportSize = DESKTOP) -> Iterator[Page]:
    """Open a fresh context at this size and sign in as the demo person (the IT learner by default)."""
    context = open_isolated_context(browser, url)
    try:
        page = context.new_page()
        page.set_viewport_size(size)
        label, name = (LEARNER.label, LEARNER.name) if capability is None else _person(capability)
        page.goto("/")
        button = page.get_by_role("button", name=f"Demo: {label}", exact=True)
        expect(button).to_be_visible(timeout=WAIT_MS * 3)
        settle(page)
        sign_in_as_demo(page, label, name=name, lands_on=lands_on)
        yield page
    finally:
        context.close()


def _opened(page: Page, address: str, heading: str) -> None:
    page.goto(address)
    expect(page.get_by_role("heading", name=heading, level=1, exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    page.wait_for_function(_DRAWN, timeout=WAIT_MS)


def _email(capability: Capability) -> str:
    return next(p.email for p in BUNDLED_DEMO_PEOPLE if capability in p.capabilities)


def _find(engine: Engine, email: str) -> Actor:
    with read_session(engine) as session:
        person = people.find_person(session, email)
    assert person is not None, f"{email} is not in the seeded database"
    return Actor(person.id, person.email, person.grants)


def _prepare(served: ServedCourse) -> None:
    """Give the edited module two saved versions, and the demo leader the learner as a report.

    Done as the guides describe it done by hand (two saves in the editor, a roster line naming
    the manager), straight through the services, so the pictures have something to show.
    """
    engine = database.open_database(server_settings(served.data, served.content))
    try:
        leader = _find(engine, _email(Capability.LEADER))
        with write_transaction(engine) as session:
            people.update_person(session, _find(engine, LEARNER.email).person_id, now=datetime.now(UTC),
                                 manager_id=leader.person_id)
        trainer = _find(engine, _email(Capability.TRAINER))
        for word, message in (("audiences", "Say who is listening"), ("people", "Plainer word")):
            opened = open_file(engine, trainer, served.content, EDITED_FILE)
            text = re.sub(r"\b(audiences|people)\b", word, opened.text, count=1)
            if text == opened.text:
                text = opened.text.rstrip("\n") + "\n\n"
            save(engine, trainer, served.content, EDITED_FILE, text, base_hash=opened.hash,
                 base_number=opened.number, message=message)
    finally:
        database.close_database(engine)


# -- the administrator ------------------------------------------------------------------------


def admin_screens(browser: Browser, url: str) -> None:
    """Assign the IT track to the learner's department; the assignments page and the audit log."""
    with signed_in(browser, url):  # the learner exists before the assignment picks them up
        pass
    with signed_in(browser, url, Capability.ADMIN, lands_on="People") as page:
        _opened(page, "/admin_assignments", "Assignments")
        target = page.get_by_role("combobox", name="Which one", exact=True)
        expect(target).to_have_value(BUNDLED_INFO.roles[TRACKS[0]])
        departments = page.get_by_role("combobox", name="Departments", exact=True)
        departments.click()
        departments.fill(LEARNER.department)  # the list narrowed to it: Enter picks it
        expect(page.get_by_role("option", name=LEARNER.department, exact=True)).to_be_visible()
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        expect(page.get_by_role("listbox")).to_have_count(0)
        settle(page)
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.get_by_text("Assigned to", exact=False).first).to_be_visible()
        _opened(page, "/admin_assignments", "Assignments")
        shoot(page, "admin-assignments")
        _opened(page, "/admin_audit", "Audit log")
        shoot(page, "admin-audit-log")
    with signed_in(browser, url, Capability.LEADER, lands_on="Literacy dashboard") as page:
        page.goto("/my_team")
        expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=WAIT_MS * 2)
        shoot(page, "my-team")


# -- the learner ------------------------------------------------------------------------------


def _play(page: Page, course: Course, scenario_id: str, *, steps: int, skip: int = 0) -> None:
    """Take the first open choice `steps` times (or until an ending), `skip` choices already taken."""
    scenario = course.scenarios[scenario_id]
    state = start_run(scenario)
    for _ in range(skip):
        state = take_choice(scenario, state, available_choices(scenario, state)[0].index)
    for _ in range(steps):
        if ending_of(scenario, state) is not None:
            return
        choice = available_choices(scenario, state)[0]
        page.get_by_role("button", name=choice.label_text, exact=True).click()
        state = take_choice(scenario, state, choice.index)
        title = current_node(scenario, state).title
        expect(page.get_by_role("heading", name=title, level=2, exact=True)).to_be_visible()
        settle(page)


def learner_screens(browser: Browser, url: str, course: Course) -> None:
    module = path_for(course, TRACKS)[0]
    quiz, scenario = course.quizzes[str(module.quiz)], course.scenarios[str(module.scenario)]
    boxed = next(s for s in module.sections[1:] if any(b.kind is not BlockKind.TEXT for b in s.blocks))
    with signed_in(browser, url) as page:
        expect(page.get_by_role("heading", name="Assigned to you", exact=True)).to_be_visible()
        shoot(page, "learner-home")
        page.get_by_role("link", name=f"Continue {module.meta.title}", exact=True).click()
        expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
        page.locator("summary", has_text="Contents").click()
        entry = re.compile("^" + re.escape(f"{boxed.index + 1}. {boxed.title}"))
        page.get_by_role("button", name=entry).click()
        expect(page.get_by_role("heading", name=boxed.title, level=2, exact=True)).to_be_visible()
        page.locator("summary", has_text="Contents").click()
        expect(page.get_by_text("(you are here)", exact=False)).to_be_visible()
        _tall(page, "module-box", start='[data-testid="stExpander"]', height=1200)
        _opened(page, f"/quiz?id={quiz.meta.id}", quiz.meta.title)
        _take_attempt(page, quiz, right=False)
        shoot(page, "quiz-review", start='[data-testid="stAlert"]')
        _opened(page, f"/scenario?id={scenario.meta.id}", scenario.meta.title)
        shoot(page, "scenario-intro")
        page.get_by_role("button", name="Start the scenario").click()
        expect(page.locator(".nts-post").first).to_be_visible()
        _tall(page, "scenario-post", start='[data-testid="stProgress"]')
        _play(page, course, scenario.meta.id, steps=1)
        _tall(page, "scenario-step", start='[data-testid="stProgress"]')
        _play(page, course, scenario.meta.id, steps=MAX_STEPS, skip=1)
        expect(page.get_by_role("heading", name="Your decisions, one by one")).to_be_visible()
        shoot(page, "scenario-ending")
    with signed_in(browser, url, size=PHONE) as page:
        _opened(page, f"/module?id={module.meta.id}", module.meta.title)
        shoot(page, "phone-module")
        _opened(page, f"/scenario?id={scenario.meta.id}", scenario.meta.title)
        page.get_by_role("button", name=re.compile("^(Start the scenario|Play again)$")).click()
        expect(page.locator(".nts-post").first).to_be_visible()
        shoot(page, "phone-scenario-post", start=".nts-post")


def _tall(page: Page, name: str, *, start: str, height: int = 1500) -> None:
    """Shoot in a taller window, so that a scenario's meters, text and card (say) fit in one."""
    page.set_viewport_size({"width": DESKTOP["width"], "height": height})
    try:
        shoot(page, name, start=start)
    finally:
        page.set_viewport_size(DESKTOP)


# -- the trainer ------------------------------------------------------------------------------


def studio_screens(browser: Browser, url: str) -> None:
    with signed_in(browser, url, Capability.TRAINER, lands_on="Content health") as page:
        shoot(page, "studio-content-health")
        _opened(page, f"/studio_editor?file={EDITED_FILE}", "Edit content")
        history = page.locator("summary", has_text="History (")
        history.click()
        page.set_viewport_size({"width": 1440, "height": 1400})
        shoot(page, "studio-editor-history")
        page.set_viewport_size(DESKTOP)
        _opened(page, "/studio_health", "Content health")
        page.get_by_role("tab", name="Course map").click()
        expect(page.get_by_role("tab", name="Course map")).to_have_attribute("aria-selected", "true")
        page.locator('[role="tabpanel"]:visible summary').first.click()  # the first track's path, opened
        shoot(page, "studio-course-map")


def main(argv: list[str]) -> int:
    wanted = set(argv) or {"admin", "learner", "studio"}
    steps: dict[str, Callable[[Browser, ServedCourse, Course], None]] = {
        "admin": lambda b, s, c: admin_screens(b, s.url),
        "learner": lambda b, s, c: learner_screens(b, s.url, c),
        "studio": lambda b, s, c: studio_screens(b, s.url),  # last: the studio changes most
    }
    with tempfile.TemporaryDirectory() as folder, serve_seeded_copy(Path(folder)) as served:
        course = load_course(served.content).course
        assert course is not None
        _prepare(served)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                for name, step in steps.items():
                    if name in wanted:
                        step(browser, served, course)
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
