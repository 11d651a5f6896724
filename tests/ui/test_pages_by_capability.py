"""Every page for every kind of person: allowed pages render, refused pages stay out of reach.

Each demo person signs in through the sign-in page and visits every page of `PAGES`. A page the
permission table allows must render; a page it refuses must be absent from the navigation the
router builds, must not run when asked for by URL, and must refuse (and audit) on its own when
its script is run directly with the person's session.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Page, allowed_pages, is_allowed, landing_page
from course.services import demo
from course.services.accounts import hash_token
from course.services.database import Engine
from course.services.permissions import list_audit_events
from course.settings import load_settings
from course.store import sessions
from course.store.engine import read_session
from course.ui.links import PAGES, entries_for
from tests.bundled import BUNDLED_DEMO_PEOPLE, BUNDLED_INFO, TEST_COURSE_DEMO_PEOPLE
from tests.conftest import TreeWriter
from tests.ui.conftest import APP, AppFactory
from tests.ui.hostile_text import seen

ROOT = Path(APP).parent
REFUSAL = "You do not have access to this page."
MISSING = "Could not find a navigation page"
_TOKEN = "nts_token"

#: The items of the test course (tests/conftest.py, for every role) for pages that need an id.
SAMPLE_IDS = {Page.MODULE: "intro", Page.QUIZ: "intro-quiz", Page.SCENARIO: "first-day"}

_LEARNING = {Page.HOME, Page.PROFILE, Page.MODULE, Page.QUIZ, Page.SCENARIO, Page.PLACEMENT, Page.SEARCH}
_STUDIO = {Page.STUDIO_HEALTH, Page.STUDIO_PREVIEW, Page.STUDIO_EDITOR, Page.STUDIO_ANALYTICS}
_ADMIN = {Page.ADMIN_PEOPLE, Page.ADMIN_ROSTER, Page.ADMIN_AUDIT, Page.ADMIN_PRIVACY}
#: What each demo person may open, over every page of the app, written out by hand.
EXPECTED_PAGES = {
    "legal.learner": _LEARNING,
    "hr.learner": _LEARNING,
    "it.learner": _LEARNING,
    "leadership.learner": _LEARNING,
    "trainer": _STUDIO,
    "leader": _LEARNING | {Page.DASHBOARD, Page.ADMIN_ASSIGNMENTS},
    "admin": _STUDIO | {Page.DASHBOARD, Page.ADMIN_ASSIGNMENTS} | _ADMIN,
}
#: Where each demo person lands after signing in, written out by hand.
EXPECTED_LANDING = {
    "legal.learner": Page.HOME,
    "hr.learner": Page.HOME,
    "it.learner": Page.HOME,
    "leadership.learner": Page.HOME,
    "trainer": Page.STUDIO_HEALTH,
    "leader": Page.DASHBOARD,
    "admin": Page.ADMIN_PEOPLE,
}

#: The registered pages each demo person may not open, by the permission table.
REFUSED = {
    person.local: [page for page in PAGES if not is_allowed(person.capabilities, page)]
    for person in TEST_COURSE_DEMO_PEOPLE
}


def _course(root: Path) -> Course:
    loaded = load_course(root)
    assert loaded.course is not None and not loaded.diagnostics
    return loaded.course


def _admin(engine: Engine) -> Actor:
    email = next(p.email for p in BUNDLED_DEMO_PEOPLE if p.local == "admin")
    signed = demo.demo_sign_in(engine, email, settings=load_settings(), info=BUNDLED_INFO)
    assert signed.actor is not None
    return signed.actor


def _denials(engine: Engine, email: str) -> list[str]:
    """Return the targets of the page denials of one person, read as the demo admin would."""
    events = list_audit_events(engine, _admin(engine), kind="page_denied", limit=1000)
    return sorted(e.target for e in events if e.actor == email)


def _marker(page: Page, person: demo.DemoPerson, course: Course) -> str | None:
    """Return the title a page shows when it renders for this person (None: not known here)."""
    return {
        Page.HOME: f"Welcome, {person.name}",
        Page.MODULE: course.modules[SAMPLE_IDS[Page.MODULE]].meta.title,
        Page.QUIZ: course.quizzes[SAMPLE_IDS[Page.QUIZ]].meta.title,
        Page.SCENARIO: course.scenarios[SAMPLE_IDS[Page.SCENARIO]].meta.title,
        Page.PROFILE: "My literacy profile",
        Page.PLACEMENT: "A short pre-check",
        Page.SEARCH: "Search and glossary",
        Page.DASHBOARD: "Literacy dashboard",
        # the content health page once registered (the course map shows the course's title)
        Page.STUDIO_HEALTH: "Content health" if PAGES[Page.STUDIO_HEALTH].script.endswith(
            "studio_health.py") else course.info.title,
        Page.ADMIN_PEOPLE: "People",
        Page.ADMIN_ROSTER: "Roster import",
        Page.ADMIN_AUDIT: "Audit log",
        Page.ADMIN_PRIVACY: "Privacy settings",
        Page.ADMIN_ASSIGNMENTS: "Assignments",
    }.get(page)


def _shows_its_content(at: AppTest, page: Page) -> bool:
    """Tell whether a page drew more than its title: the first thing a person can do there."""
    if page is Page.MODULE:
        return [p.text for p in at.progress] == ["0 of 1 sections read"]
    if page is Page.QUIZ:
        return [s.value for s in at.header] == ["Question 1 of 2"]
    if page is Page.SCENARIO:
        return "Start the scenario" in [b.label for b in at.button]
    if page is Page.STUDIO_HEALTH:
        return "every file validates" in at.success[0].value
    return True


def _open(at: AppTest, page: Page) -> AppTest:
    at.switch_page(PAGES[page].script)
    at.query_params.clear()
    if page in SAMPLE_IDS:
        at.query_params["id"] = SAMPLE_IDS[page]
    return at.run()


def _titles(at: AppTest) -> list[str]:
    return [seen(t.value) for t in at.title]


def test_the_permission_table_gives_each_demo_person_the_expected_pages() -> None:
    assert {p.local for p in BUNDLED_DEMO_PEOPLE} == set(EXPECTED_PAGES) == set(EXPECTED_LANDING)
    for person in BUNDLED_DEMO_PEOPLE:
        allowed = {page for page in Page if is_allowed(person.capabilities, page)}
        assert allowed == EXPECTED_PAGES[person.local], person.local
        assert landing_page(person.capabilities) is EXPECTED_LANDING[person.local], person.local


@pytest.mark.parametrize("person", TEST_COURSE_DEMO_PEOPLE, ids=lambda p: p.local)
def test_the_menu_starts_with_the_landing_page_and_shows_learner_pages_only_to_learners(
    person: demo.DemoPerson,
) -> None:
    held = person.capabilities
    links = entries_for(allowed_pages(held), landing=landing_page(held))
    assert links[0] == PAGES[EXPECTED_LANDING[person.local]]
    menu = {link.title for link in links if link.in_menu}
    learner_pages = {PAGES[Page.HOME].title, PAGES[Page.PROFILE].title, PAGES[Page.SEARCH].title}
    assert (learner_pages <= menu) is (Capability.LEARNER in held)
    assert not (learner_pages & menu) or Capability.LEARNER in held


@pytest.mark.parametrize("person", TEST_COURSE_DEMO_PEOPLE, ids=lambda p: p.local)
def test_allowed_pages_render_and_refused_pages_are_hidden_and_refuse(
    app: AppFactory, write_tree: TreeWriter, person: demo.DemoPerson
) -> None:
    content = write_tree()
    course = _course(content)
    at = app(as_demo=person.local, content=content)
    at.run()  # as the browser does on its return from the cookie route, at the root address
    assert not at.exception, at.exception
    assert _titles(at) == [_marker(EXPECTED_LANDING[person.local], person, course)]
    assert [seen(c.value) for c in at.sidebar.caption] == [f"Signed in as {person.email}"]
    lands_home = EXPECTED_LANDING[person.local] is Page.HOME
    next_up = [i.value for i in at.info if i.value.startswith("Next up")]
    assert next_up == (["Next up: **Introduction** (? min)"] if lands_home else [])
    for page in PAGES:
        if is_allowed(person.capabilities, page):
            _open(at, page)
            assert not at.exception, (page, at.exception)
            assert REFUSAL not in [e.value for e in at.error], page
            marker = _marker(page, person, course)
            assert marker is None or _titles(at) == [marker], page
            assert _shows_its_content(at, page), page
        else:
            _open(at, page)
            assert not at.exception, (page, at.exception)
            assert [e.value for e in at.error] == [REFUSAL], page
    menu = {link.title for link in entries_for(allowed_pages(person.capabilities)) if link.in_menu}
    assert menu == {PAGES[p].title for p in PAGES if is_allowed(person.capabilities, p) and PAGES[p].in_menu}

@pytest.mark.parametrize("person", [p for p in TEST_COURSE_DEMO_PEOPLE if p.local in REFUSED],
                         ids=lambda p: p.local)
def test_refused_pages_asked_for_by_url_refuse_and_audit(
    app: AppFactory, write_tree: TreeWriter, database: Callable[[], Engine], person: demo.DemoPerson
) -> None:
    token = app(as_demo=person.local, content=write_tree()).session_state[_TOKEN]
    engine = database()
    for page in REFUSED[person.local]:
        # Before its first run AppTest asks for a page by its URL path, as a typed address would:
        # the router keeps the page routable but hidden, so its own check refuses and audits.
        before = _denials(engine, person.email)
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state[_TOKEN] = token
        at.switch_page(PAGES[page].script)
        if page in SAMPLE_IDS:
            at.query_params["id"] = SAMPLE_IDS[page]
        at.run()
        assert not at.exception, (page, at.exception)
        assert [e.value for e in at.error] == [REFUSAL], page
        assert _titles(at) == [], page
        assert _denials(engine, person.email) == sorted([*before, page.value]), page

        # The page's own check holds when its script runs without the router: refused, audited.
        before = _denials(engine, person.email)
        at = AppTest.from_file(str(ROOT / PAGES[page].script), default_timeout=60)
        at.session_state[_TOKEN] = token
        if page in SAMPLE_IDS:
            at.query_params["id"] = SAMPLE_IDS[page]
        at.run()
        assert not at.exception, (page, at.exception)
        assert [e.value for e in at.error] == [REFUSAL], page
        assert _titles(at) == [], page
        assert _denials(engine, person.email) == sorted([*before, page.value]), page


def test_a_refused_page_asked_for_by_url_is_audited(
    app: AppFactory, write_tree: TreeWriter, database: Callable[[], Engine]
) -> None:
    token = app(as_demo="legal.learner", content=write_tree()).session_state[_TOKEN]
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[_TOKEN] = token
    at.switch_page(PAGES[Page.STUDIO_HEALTH].script)
    at.run()
    assert not at.exception
    email = next(p.email for p in BUNDLED_DEMO_PEOPLE if p.local == "legal.learner")
    assert _denials(database(), email) == [Page.STUDIO_HEALTH.value]


def _shows_sign_in(at: AppTest) -> bool:
    return _titles(at) == ["Need to Share"] and "Sign in" in [b.label for b in at.button]


def test_signed_out_only_the_sign_in_page_is_reachable(app: AppFactory) -> None:
    at = app()
    assert _shows_sign_in(at)
    assert not at.sidebar.button
    for link in PAGES.values():
        with pytest.raises(ValueError, match=MISSING):
            at.switch_page(link.script)
    for page, link in PAGES.items():
        forced = AppTest.from_file(APP, default_timeout=60)
        forced.switch_page(link.script)
        if page in SAMPLE_IDS:
            forced.query_params["id"] = SAMPLE_IDS[page]
        forced.run()
        assert not forced.exception, (page, forced.exception)
        assert _shows_sign_in(forced), page


def test_a_forged_session_token_shows_the_sign_in_page(app: AppFactory) -> None:
    app()  # creates the database, as the server does when it starts
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[_TOKEN] = "not-a-real-token"
    at.run()
    assert not at.exception
    assert _shows_sign_in(at)
    assert _TOKEN not in at.session_state


def test_sign_out_ends_the_session_here_and_in_the_database(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = app(as_demo="hr.learner")
    token = at.session_state[_TOKEN]
    engine = database()
    with read_session(engine) as session:
        holder = sessions.find_session_holder(session, hash_token(token))
    assert holder is not None and holder.session.ended_at is None

    [sign_out] = at.sidebar.button
    assert sign_out.label == "Sign out"
    sign_out.click().run()
    assert not at.exception
    assert _shows_sign_in(at)
    assert _TOKEN not in at.session_state
    at.run()
    assert _shows_sign_in(at)
    with read_session(engine) as session:
        holder = sessions.find_session_holder(session, hash_token(token))
    assert holder is not None and holder.session.ended_at is not None
    with pytest.raises(ValueError, match=MISSING):
        at.switch_page(PAGES[Page.HOME].script)

    # The old token, presented again by another browser session, no longer signs anyone in.
    again = AppTest.from_file(APP, default_timeout=60)
    again.session_state[_TOKEN] = token
    again.run()
    assert _shows_sign_in(again)
