"""A leader's journey in a real browser: the literacy dashboard, one department, a CSV export, no person.

The server serves a copy of the course with a seeded database (tests/browser/seeding.py). What
the page should show is read from the dashboard service the page uses, with the same filters,
so the test follows the data rather than copying numbers. "No person" is checked three ways:
the text of the page, every message the server sent the browser while the dashboard was open
(tables and charts travel there even when they are drawn on a canvas), and the CSV export.
A learner who types the dashboard's address is then refused by the page's own check, and the
refusal is in the audit log.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, WebSocket, expect

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Actor, Capability
from course.domain.permissions import Page as AppPage
from course.domain.targets import DEFAULT_TARGET
from course.services import database
from course.services.dashboard import Dashboard, Filters, get_dashboard
from course.services.dashboard.shown import all_tables
from course.services.demo import DemoPerson
from course.store import audit, people
from course.store.engine import Engine, read_session
from course.ui.widgets import percent
from tests.browser.conftest import WAIT_MS, ServedCourse, settle, shoot, sign_in_as_demo
from tests.browser.seeding import COHORT_DEPARTMENT, server_settings
from tests.bundled import BUNDLED_DEMO_PEOPLE

pytestmark = pytest.mark.browser

#: The department the leader narrows the dashboard to (the seeded cohort's, so it has data).
DEPARTMENT = COHORT_DEPARTMENT
REFUSED = "You do not have access to this page."
TABLE_TITLE = "Literacy score by department and competency"


def _leader() -> DemoPerson:
    return next(p for p in BUNDLED_DEMO_PEOPLE if Capability.LEADER in p.capabilities)


def _learner() -> DemoPerson:
    return next(p for p in BUNDLED_DEMO_PEOPLE if p.capabilities == frozenset({Capability.LEARNER}))


@pytest.fixture(scope="module")
def engine(seeded_app: ServedCourse) -> Iterator[Engine]:
    """Open the served database from the test, to ask the services what the page should show."""
    opened = database.open_database(server_settings(seeded_app.data, seeded_app.content))
    try:
        yield opened
    finally:
        database.close_database(opened)


@pytest.fixture(scope="module")
def course(seeded_app: ServedCourse) -> Course:
    """Load the course the server serves."""
    loaded = load_course(seeded_app.content).course
    assert loaded is not None
    return loaded


def _actor(engine: Engine, email: str) -> Actor:
    with read_session(engine) as session:
        person = people.find_person(session, email)
    assert person is not None
    return Actor(person.id, person.email, person.grants)


def _board(engine: Engine, course: Course, departments: tuple[str, ...] | None = None) -> Dashboard:
    return get_dashboard(engine, _actor(engine, _leader().email), course,
                         filters=Filters(departments=departments))


class Frames:
    """Every message the app's server sends to one page, as bytes, from when it is attached."""

    def __init__(self, page: Page) -> None:
        self.received: list[bytes] = []
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: self.received.append(
            payload if isinstance(payload, bytes) else payload.encode()))

    def since(self, start: int) -> bytes:
        """Return the messages received from the `start`-th on, joined."""
        return b"\n".join(self.received[start:])


def _metric(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _expect_rows(page: Page, rows: list[str]) -> None:
    """Wait until the department heatmap's row labels (Plotly's y-axis ticks) are these rows."""
    ticks = page.locator(".st-key-heat-department .ytick text").filter(has_text=re.compile(r"\S"))
    expect(ticks).to_have_count(len(rows))
    assert sorted(ticks.all_text_contents()) == sorted(rows)


def _expect_no_person(text: str, seeded_names: tuple[str, ...], seeded_emails: tuple[str, ...], *,
                      viewer: str, where: str) -> None:
    """Fail if any person's name or email is in the text; the viewer's own email may be."""
    shown = [n for n in seeded_names if n in text] + [e for e in seeded_emails if e != viewer and e in text]
    assert not shown, f"{where} shows people: {shown[:10]}"


def test_a_leader_reads_filters_and_exports_the_dashboard_without_seeing_anyone(
    seeded_app: ServedCourse, engine: Engine, course: Course,
    context_on: Callable[[str], BrowserContext], screenshots: Path,
) -> None:
    """Headline and heatmap as the service computes them; one department; a CSV with no person in it."""
    leader = _leader()
    names, emails = seeded_app.seeded.names, seeded_app.seeded.emails
    everyone, legal = _board(engine, course), _board(engine, course, (DEPARTMENT,))
    assert len(everyone.by_department.rows) > 1 and legal.by_department.rows == (DEPARTMENT,)
    assert everyone.headline.learners != legal.headline.learners

    page = context_on(seeded_app.url).new_page()
    frames = Frames(page)
    page.goto("/")
    expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    start = len(frames.received)
    # A leader lands on the dashboard: everything the server sends from sign-in on is checked.
    sign_in_as_demo(page, leader.label, name=leader.name, lands_on="Literacy dashboard")
    expect(page.get_by_role("heading", name="Literacy dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("tab", name="By department")).to_be_visible()
    expect(_metric(page, "Literacy score")).to_have_text(percent(everyone.headline.score))
    expect(_metric(page, "Participation")).to_have_text(percent(everyone.headline.participation))
    _expect_rows(page, list(everyone.by_department.rows))
    settle(page)
    shoot(page, screenshots, "leader-01-dashboard")

    page.get_by_role("combobox", name="Departments", exact=True).click()
    page.get_by_role("option", name=DEPARTMENT, exact=True).click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name=f"Remove {DEPARTMENT}", exact=True)).to_be_visible()
    expect(_metric(page, "Participation")).to_have_text(percent(legal.headline.participation))
    expect(_metric(page, "Literacy score")).to_have_text(percent(legal.headline.score))
    _expect_rows(page, [DEPARTMENT])
    settle(page)
    shoot(page, screenshots, "leader-02-one-department")

    page.get_by_role("tab", name="Downloads", exact=True).click()
    with page.expect_download() as download:  # one click: the file is made when it is asked for
        page.get_by_role("button", name=f"{TABLE_TITLE} (CSV)", exact=True).click()
    assert download.value.suggested_filename == "literacy-department.csv"
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(exported)))
    assert tuple(header) == all_tables(course, legal, target=DEFAULT_TARGET)["department"].header
    assert {row[0] for row in rows} == {DEPARTMENT, "All departments"}, rows
    _expect_no_person(exported, names, emails, viewer=leader.email, where="the CSV export")

    settle(page)
    _expect_no_person(page.locator("body").inner_text(), names, emails, viewer=leader.email,
                      where="the dashboard page")
    sent = frames.since(start).decode("utf-8", errors="replace")
    # The messages were captured and are readable: the heatmap's department names are in them.
    assert all(d in sent for d in everyone.by_department.rows), "the dashboard's messages were not captured"
    _expect_no_person(sent, names, emails, viewer=leader.email, where="what the server sent the dashboard")


def test_a_learner_who_types_the_dashboard_address_is_refused(
    seeded_app: ServedCourse, engine: Engine, context_on: Callable[[str], BrowserContext], screenshots: Path,
) -> None:
    """The address survives signing in, and then the page's own check refuses and audits."""
    learner = _learner()
    page = context_on(seeded_app.url).new_page()
    page.goto("/dashboard")
    button = page.get_by_role("button", name=f"Demo: {learner.label}", exact=True)
    expect(button).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    button.click()
    expect(page.get_by_text(REFUSED, exact=True)).to_be_visible()
    settle(page)
    assert page.url.rstrip("/").endswith("/dashboard")
    expect(page.get_by_role("heading", name="Literacy dashboard")).to_have_count(0)
    expect(page.get_by_text("Literacy score", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Literacy dashboard")).to_have_count(0)
    shoot(page, screenshots, "leader-03-learner-refused")
    with read_session(engine) as session:
        denied = audit.list_events(session, kind="page_denied", limit=20)
    assert any(e.actor == learner.email and e.target == AppPage.DASHBOARD.value for e in denied), denied
