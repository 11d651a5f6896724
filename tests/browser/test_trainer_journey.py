"""A trainer's journey in a real browser: find a broken file, fix it, preview it, read the item analysis.

The server serves its own copy of the course and its own seeded database (tests/browser/seeding.py),
so breaking and fixing a file touches neither the bundled course nor the other browser tests.
Expected diagnostics, texts, hashes and flags come from the same code the app uses (the loader,
the studio file service and the statistics service), so the test follows the content.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from course.content.loader import load_course
from course.domain.diagnostics import Diagnostic
from course.domain.item_analysis import FLAG_TEXT
from course.domain.model import Course, Module
from course.domain.permissions import Capability
from course.domain.wording import plain
from course.services import database
from course.services.demo import DemoPerson
from course.services.studio_files import text_hash
from course.store import audit, content_history
from course.store.engine import read_session
from tests.browser.conftest import (
    ServedCourse,
    choose,
    open_sign_in,
    serve_seeded_copy,
    settle,
    shoot,
    sign_in_as_demo,
)
from tests.browser.seeding import flagged, item_reports, server_settings
from tests.bundled import BUNDLED_DEMO_PEOPLE

pytestmark = pytest.mark.browser

#: The module the trainer breaks and fixes: it has a block for each track.
MODULE_ID = "conversation-not-broadcast"
RELATIVE = f"modules/{MODULE_ID}.md"
#: The sentence the trainer adds to the legal block while fixing the file.
MARKER = "Ask legal first only about litigation, regulated statements and personal data."
SHOWN, HIDDEN = "legal", "hr"


def _trainer() -> DemoPerson:
    return next(p for p in BUNDLED_DEMO_PEOPLE if Capability.TRAINER in p.capabilities)


@pytest.fixture(scope="module")
def served(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedCourse]:
    """Serve a copy of the course with a seeded database, for this journey alone."""
    with serve_seeded_copy(tmp_path_factory.mktemp("nts-trainer")) as running:
        yield running


def _break(path: Path) -> tuple[str, str]:
    """Remove the required `title` line from the file's front matter; return (original, broken)."""
    original = path.read_text(encoding="utf-8")
    title = re.search(r"^title: .*\n", original, flags=re.MULTILINE)
    assert title is not None, f"{path} has no title line to remove"
    broken = original.replace(title.group(0), "", 1)
    path.write_text(broken, encoding="utf-8")
    return title.group(0), broken


def _diagnostics(root: Path) -> list[Diagnostic]:
    return [d for d in load_course(root).diagnostics if d.path == RELATIVE]


def _said(diagnostic: Diagnostic) -> str:
    return f"Line {diagnostic.line}: {diagnostic.message} [{diagnostic.code}]"


def _fix(broken: str, title_line: str) -> str:
    """Put the title back after the id line and add the marker sentence to the legal block."""
    fixed = re.sub(r"^(id: .*\n)", lambda m: m.group(1) + title_line, broken, count=1, flags=re.MULTILINE)
    fixed = fixed.replace(f"::: for {SHOWN}\n", f"::: for {SHOWN}\n{MARKER}\n", 1)
    assert MARKER in fixed, f"{RELATIVE} has no '::: for {SHOWN}' block"
    return fixed


def _track_block_text(module: Module, track: str) -> str:
    """Return the first words of the first block written for this track alone."""
    for section in module.sections:
        for block in section.blocks:
            if block.roles == frozenset({track}):
                return " ".join(plain(block.html).split()[:8])
    raise AssertionError(f"{module.meta.id} has no block for {track} alone")


def _expander(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stExpander").filter(has_text=label)


def _open_health(page: Page) -> None:
    page.get_by_role("link", name="Content health", exact=True).click()
    expect(page.get_by_role("heading", name="Content health", level=1)).to_be_visible()
    settle(page)


def _metric(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).get_by_test_id(
        "stMetricValue")


def test_a_trainer_finds_fixes_previews_and_reads_the_item_analysis(
    served: ServedCourse, context_on: Callable[[str], BrowserContext], screenshots: Path
) -> None:
    """Health page -> editor -> validate -> save -> clean health -> legal preview -> flagged questions."""
    trainer = _trainer()
    path = served.content / RELATIVE
    page = open_sign_in(context_on(served.url))  # the server has now served the valid file once

    title_line, broken = _break(path)
    problems = _diagnostics(served.content)
    assert problems, f"removing the title of {RELATIVE} should be an error"
    # A trainer lands on content health, not on a learner's path.
    sign_in_as_demo(page, trainer.label, name=trainer.name, lands_on="Content health")
    expect(page.get_by_role("link", name="My path", exact=True)).to_have_count(0)
    _open_health(page)
    expect(_metric(page, "Errors")).to_have_text(str(len(problems)))
    found = _expander(page, f"{RELATIVE} — {len(problems)} error(s), 0 warning(s)")
    for problem in problems:
        expect(found.get_by_text(_said(problem), exact=True)).to_be_visible()
    # Learners keep the version that last validated while the file is broken.
    expect(page.get_by_role("heading", name="Served from their last valid version")).to_be_visible()
    shoot(page, screenshots, "trainer-01-health-broken")

    found.get_by_role("link", name="Open in the editor").click()
    expect(page.get_by_role("heading", name="Edit content", level=1)).to_be_visible()
    # The link opens the file in the list (the path box is for new files only).
    expect(page.get_by_role("combobox", name="File", exact=True)).to_have_value(
        f"{RELATIVE} — {_count_said(len(problems))}")
    content = page.get_by_role("textbox", name="Content", exact=True)
    expect(content).to_have_value(broken)
    settle(page)
    fixed = _fix(content.input_value(), title_line)
    content.fill(fixed)
    content.press("Control+Enter")
    # The live preview beside the text draws the fixed module before anything is saved.
    expect(page.get_by_role("tab", name="Live preview")).to_be_visible()
    expect(page.get_by_text("No error, no warning in this file.", exact=True)).to_be_visible()
    assert path.read_text(encoding="utf-8") == broken
    page.get_by_role("button", name="Validate", exact=True).click()
    expect(page.get_by_text("The course validates with this text: no error, no warning.", exact=True)
           ).to_be_visible()
    settle(page)
    shoot(page, screenshots, "trainer-02-validated")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"Saved. Version {text_hash(fixed)}.", exact=True)).to_be_visible()
    expect(page.get_by_text("History (2 saved versions)", exact=True)).to_be_visible()
    settle(page)
    shoot(page, screenshots, "trainer-03-saved")

    assert path.read_text(encoding="utf-8") == fixed
    assert not (served.data / "content-history").exists()  # the history is in the database
    engine = database.open_database(server_settings(served.data, served.content))
    try:
        with read_session(engine) as session:
            published = audit.list_events(session, kind="content_published")
            kept = content_history.history(session, RELATIVE)
    finally:
        database.close_database(engine)
    assert [(e.actor, e.target, e.detail) for e in published] == [
        (trainer.email, RELATIVE, {"hash": text_hash(fixed), "previous": text_hash(broken)})]
    assert [(v.kind, v.hash) for v in kept] == [("published", text_hash(fixed)), ("found", text_hash(broken))]

    _open_health(page)
    expect(page.get_by_text("Content health: every file validates with no error or warning.", exact=True)
           ).to_be_visible()
    expect(_metric(page, "Errors")).to_have_text("0")
    expect(page.get_by_role("heading", name="Served from their last valid version")).to_have_count(0)
    shoot(page, screenshots, "trainer-04-health-clean")

    course = load_course(served.content).course
    assert course is not None
    _preview_tracks(page, course, screenshots)
    _item_analysis(page, served, course, screenshots)


def _count_said(errors: int) -> str:
    return f"{errors} error" + ("" if errors == 1 else "s")


def _preview_tracks(page: Page, course: Course, screenshots: Path) -> None:
    """Preview the fixed module as a legal learner, then as an HR learner."""
    module = course.modules[MODULE_ID]
    other = _track_block_text(module, HIDDEN)
    page.get_by_role("link", name="Preview", exact=True).click()
    expect(page.get_by_role("combobox", name="Module", exact=True)).to_be_visible()
    settle(page)
    choose(page, "Module", f"{module.meta.title} ({module.meta.id})")
    choose(page, "As a learner of the track", course.info.roles[SHOWN])
    expect(page.get_by_role("heading", name=module.meta.title, level=1, exact=True)).to_be_visible()
    expect(page.get_by_text(MARKER)).to_be_visible()
    expect(page.get_by_text(other)).to_have_count(0)
    shoot(page, screenshots, "trainer-05-preview-legal")

    choose(page, "As a learner of the track", course.info.roles[HIDDEN])
    expect(page.get_by_text(other)).to_be_visible()
    expect(page.get_by_text(MARKER)).to_have_count(0)


def _item_analysis(page: Page, served: ServedCourse, course: Course, screenshots: Path) -> None:
    """Open the item analysis on the seeded quiz and see each flagged question and its flags."""
    designed = served.seeded.designed
    engine = database.open_database(server_settings(served.data, served.content))
    try:
        items = item_reports(engine, course, designed.quiz_id)
    finally:
        database.close_database(engine)
    bad = flagged(items)
    assert {i.question_id for i in bad} >= set(designed.expected)

    page.get_by_role("link", name="Learning from learners", exact=True).click()
    expect(page.get_by_role("heading", name="Learning from learners", level=1)).to_be_visible()
    settle(page)
    choose(page, "Quiz", designed.quiz_id)
    quiz = course.quizzes[designed.quiz_id]
    answers = sum(i.stats.answers for i in items)
    summary = rf"^{len(items)} questions, {answers} answers in all; {len(bad)} flagged\."
    expect(page.get_by_text(re.compile(summary))).to_be_visible()
    # Worst first: the question the strongest learners get wrong is offered first.
    details = page.get_by_role("combobox", name="Question details", exact=True)
    expect(details).to_have_value(f"{designed.quiz_id} · {items[0].question_id}")
    assert items[0] in bad
    for item in bad:
        choose(page, "Question details", f"{item.quiz_id} · {item.question_id}")
        expect(page.get_by_text(f"{quiz.meta.title} · {item.question_id}", exact=True)).to_be_visible()
        for flag in item.stats.flags:
            expect(page.get_by_role("alert").filter(has_text=FLAG_TEXT[flag].capitalize() + ".")
                   ).to_be_visible()
    shoot(page, screenshots, "trainer-06-item-analysis")
