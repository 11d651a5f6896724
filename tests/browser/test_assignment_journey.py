"""An administrator assigns the legal track to Legal with a due date; a legal learner sees it due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from course.services.demo import DemoPerson
from tests.browser.conftest import ContextFactory, open_sign_in, settle, sign_in_as_demo
from tests.bundled import BUNDLED_DEMO_PEOPLE, BUNDLED_INFO

pytestmark = pytest.mark.browser

TRACK = BUNDLED_INFO.roles["legal"]


def _person(local: str) -> DemoPerson:
    return next(p for p in BUNDLED_DEMO_PEOPLE if p.local == local)


def test_the_admin_assigns_the_legal_track_and_the_learner_sees_it_due(new_context: ContextFactory) -> None:
    learner = _person("legal.learner")
    warm = open_sign_in(new_context())  # the learner exists before the assignment is made
    sign_in_as_demo(warm, learner.label, name=learner.name)
    admin = _person("admin")
    page = open_sign_in(new_context())
    sign_in_as_demo(page, admin.label, name=admin.name, lands_on="People")
    page.get_by_role("link", name="Assignments").click()
    expect(page.get_by_role("heading", name="Assignments", exact=True)).to_be_visible()
    settle(page)
    page.get_by_role("combobox", name="Departments", exact=True).click()
    page.get_by_role("option", name=learner.department, exact=True).click()
    page.keyboard.press("Escape")
    # The choice must have reached the page before Assign is pressed: under load, a click on
    # Assign straight after the option was once taken with no department chosen.
    expect(page.get_by_role("button", name=f"Remove {learner.department}", exact=True)).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("Assigned to 1 people", exact=False)).to_be_visible()
    settle(page)

    due = datetime.now(UTC).date() + timedelta(days=30)
    page = open_sign_in(new_context())
    sign_in_as_demo(page, learner.label, name=learner.name)
    expect(page.get_by_role("heading", name="Assigned to you", exact=True)).to_be_visible()
    expect(page.get_by_text(f"{TRACK} track", exact=True)).to_be_visible()
    due_text = f"Due · due {due:%d %B %Y}".replace("due 0", "due ")
    expect(page.get_by_text(due_text, exact=False)).to_be_visible()
