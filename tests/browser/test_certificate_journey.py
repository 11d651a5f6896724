"""Certificates in a real browser: the learner downloads its PDF, anyone checks its code, revoked or
not; a learner who finishes their track is shown the certificate at once; a manager sees their team.

Work that is not the point of a test is recorded through the app's own services first.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from pypdf import PdfReader

from course.content.loader import load_course
from course.domain.assignments import Plan, Rule, TargetKind
from course.domain.certificates import VERIFY_PATH, Certificate
from course.domain.permissions import Actor
from course.services import assignments, demo
from course.services.rehearsal import rehearse_track
from course.settings import BUNDLED_ROOT, load_settings
from course.store import certificates, people
from course.store.engine import Engine, create_store_engine, read_session, write_transaction
from tests.browser.conftest import WAIT_MS, open_sign_in, serve_app, settle, sign_in_as_demo
from tests.browser.test_learner_journey import LEARNER_LABEL, LEARNER_NAME
from tests.bundled import BUNDLED_DEMO_PEOPLE, BUNDLED_INFO

pytestmark = pytest.mark.browser

EMAIL = "legal.learner@demo.needtoshare.invalid"
CODE = "CAFE0123456789ABCDEF"


@pytest.fixture(scope="module")
def served(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("nts-certificates")
    with serve_app(data) as url:
        yield url, data


def test_a_learner_downloads_a_certificate_and_anyone_checks_its_code(
    served: tuple[str, Path], context_on: Callable[[str], BrowserContext], tmp_path: Path
) -> None:
    url, data = served
    page = open_sign_in(context_on(url))
    sign_in_as_demo(page, LEARNER_LABEL, name=LEARNER_NAME)
    engine = create_store_engine(f"sqlite:///{data / 'browser.db'}")
    with read_session(engine) as session:
        person_id = people.find_person_id(session, EMAIL)
    assert person_id is not None
    with write_transaction(engine) as session:
        certificates.add_certificate(session, Certificate(
            CODE, person_id, "legal", "Legal & compliance", datetime(2026, 5, 1, tzinfo=UTC), 0.92,
            "Distinguished"))

    page.get_by_role("link", name="My literacy profile").first.click()
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible(timeout=WAIT_MS)
    settle(page)
    with page.expect_download(timeout=WAIT_MS) as caught:
        page.get_by_role("button", name="Certificate (PDF)").click()
    saved = tmp_path / "certificate.pdf"
    caught.value.save_as(saved)
    text = " ".join(PdfReader(io.BytesIO(saved.read_bytes())).pages[0].extract_text().split())
    assert LEARNER_NAME in text and "Distinguished" in text and CODE in text

    checker = context_on(url).new_page()  # someone else, not signed in
    checker.goto(f"{url}{VERIFY_PATH}?code={CODE}")
    expect(checker.get_by_role("heading", name="Certificate valid")).to_be_visible()
    expect(checker.get_by_text(LEARNER_NAME)).to_be_visible()
    with write_transaction(engine) as session:
        certificates.revoke_certificate(session, CODE, now=datetime.now(UTC), reason="test")
    checker.reload()
    expect(checker.get_by_role("heading", name="Certificate revoked")).to_be_visible()
    engine.dispose()


def _actor(engine: Engine, local: str) -> Actor:
    """Return a demo person as an actor, making the demo organisation first if the server has not."""
    demo.ensure_demo_organisation(engine, load_settings({"NTS_DEMO": "1"}), info=BUNDLED_INFO)
    email = next(p.email for p in BUNDLED_DEMO_PEOPLE if p.local == local)
    with read_session(engine) as session:
        person = people.get_person(session, people.find_person_id(session, email) or 0)
    assert person is not None
    return Actor(person.id, person.email, person.grants)


def test_finishing_the_track_shows_the_certificate_there_and_then(
    served: tuple[str, Path], context_on: Callable[[str], BrowserContext], tmp_path: Path
) -> None:
    url, data = served
    engine = create_store_engine(f"sqlite:///{data / 'browser.db'}")
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    learner = next(p for p in BUNDLED_DEMO_PEOPLE if p.local == "hr.learner")
    rehearsed = rehearse_track(engine, load_settings({"NTS_DEMO": "1"}), loaded.course, learner.email, "hr")
    last = rehearsed.left_in
    assert last is not None
    page = open_sign_in(context_on(url))
    sign_in_as_demo(page, learner.label, name=learner.name)
    page.goto(f"{url}/module?id={last}")
    page.get_by_role("button", name="Finish reading").click()
    expect(page.get_by_role("heading", name="You earned a certificate")).to_be_visible(timeout=WAIT_MS)
    settle(page)
    with read_session(engine) as session:
        [issued] = certificates.list_certificates(session, _actor(engine, learner.local).person_id)
    expect(page.get_by_text(issued.code, exact=False).first).to_be_visible()
    with page.expect_download(timeout=WAIT_MS) as caught:
        page.get_by_role("button", name="Certificate (PDF)").click()
    saved = tmp_path / "earned.pdf"
    caught.value.save_as(saved)
    text = " ".join(PdfReader(io.BytesIO(saved.read_bytes())).pages[0].extract_text().split())
    assert learner.name in text and issued.code in text
    engine.dispose()


def test_a_manager_sees_their_team_by_name(
    served: tuple[str, Path], context_on: Callable[[str], BrowserContext]
) -> None:
    url, data = served
    engine = create_store_engine(f"sqlite:///{data / 'browser.db'}")
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    manager = next(p for p in BUNDLED_DEMO_PEOPLE if p.local == "leader")
    reports = [next(p for p in BUNDLED_DEMO_PEOPLE if p.local == local)
               for local in ("legal.learner", "it.learner")]
    boss = _actor(engine, manager.local)
    team = [(_actor(engine, r.local).person_id, boss.person_id) for r in reports]
    with write_transaction(engine) as session:
        people.set_managers(session, team, now=datetime.now(UTC))
    today = datetime.now(UTC).date()
    plan = Plan(TargetKind.TRACK, "legal", Rule.of(departments=[reports[0].department]), today,
                today + timedelta(days=21))
    assignments.create_assignment(engine, _actor(engine, "admin"), loaded.course, plan)
    page = open_sign_in(context_on(url))
    sign_in_as_demo(page, manager.label, name=manager.name, lands_on="Literacy dashboard")
    page.get_by_role("link", name="My team").click()
    expect(page.get_by_role("heading", name="My team", exact=True)).to_be_visible(timeout=WAIT_MS)
    summary = "2 people report to you · 1 assignment: 0 overdue, 1 due, 0 done"
    expect(page.get_by_text(summary)).to_be_visible()
    expect(page.get_by_text(reports[0].name, exact=False)).to_be_visible()
    expect(page.get_by_text(f"{BUNDLED_INFO.roles['legal']} track: due", exact=False)).to_be_visible()
    expect(page.get_by_text(reports[1].name, exact=False)).to_be_visible()
    expect(page.get_by_text("Nothing assigned.")).to_be_visible()
    engine.dispose()
