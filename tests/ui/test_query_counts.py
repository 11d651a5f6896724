"""SQL statements per rerun, for every page: who is signed in is resolved once, in few statements.

Modelled on Zulip's `assert_database_query_count`: every statement the app sends to the
database during one rerun of a signed-in page is counted (SQLAlchemy's `before_cursor_execute`
event, on every engine), and those sent while resolving the session, person and grants are
counted apart. Each page has a ceiling just above what it needs today, so a regression fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from course.domain.permissions import Page
from course.store.engine import write_transaction
from course.store.tables import AuthSession, Person
from course.ui import auth
from course.ui.links import PAGES
from tests.ui.conftest import AppFactory

#: At most this many statements may go to resolving who is signed in, on any page.
IDENTITY_CEILING = 5

#: Who opens each page, the item it shows, and the most statements one rerun of it may send
#: (BEGIN counts as one; before this, a learner's home rerun sent 17, 12 of them for identity).
VISITS: dict[Page, tuple[str, str | None, int]] = {
    Page.HOME: ("legal.learner", None, 11),  # the pre-check's answers and the learner's assignments
    Page.MODULE: ("legal.learner", "conversation-not-broadcast", 12),
    Page.QUIZ: ("legal.learner", "conversation-not-broadcast-quiz", 16),  # the pre-check, questions seen
    Page.SCENARIO: ("legal.learner", "viral-video", 13),
    Page.PROFILE: ("legal.learner", None, 15),  # the path, certificates, pre-check, assignments (re-takes)
    Page.PLACEMENT: ("legal.learner", None, 10),  # what it showed, then the draw
    Page.SEARCH: ("legal.learner", None, 2),
    Page.DASHBOARD: ("leader", None, 11),  # adds the privacy settings, the release windows, the target
    Page.STUDIO_HEALTH: ("trainer", None, 2),
    Page.STUDIO_PREVIEW: ("trainer", None, 2),
    Page.STUDIO_EDITOR: ("trainer", None, 2),
    Page.STUDIO_ANALYTICS: ("trainer", None, 8),
    Page.ADMIN_PEOPLE: ("admin", None, 12),  # departments, count, one page, grants, mail status
    Page.ADMIN_ROSTER: ("admin", None, 2),
    Page.ADMIN_AUDIT: ("admin", None, 4),
    Page.ADMIN_PRIVACY: ("admin", None, 6),  # privacy settings, then the reminder rules
    Page.ADMIN_ASSIGNMENTS: ("admin", None, 6),  # none assigned yet; any number adds two reads
    Page.MY_TEAM: ("leader", None, 5),  # reports, their assignments; any assigned adds one read
}

#: Pages that need the visitor to have reports: the demo learners are made to report to them.
MANAGERS = {Page.MY_TEAM}


@dataclass
class Counter:
    """Statements seen, and those seen while the identity was being resolved."""

    statements: list[str] = field(default_factory=list)
    identity: list[str] = field(default_factory=list)
    resolving: bool = False

    def reset(self) -> None:
        self.statements.clear()
        self.identity.clear()


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    """Count every statement sent to any engine while the test runs."""
    counted = Counter()
    resolve = auth._resolve

    def resolving() -> object:
        counted.resolving = True
        try:
            return resolve()
        finally:
            counted.resolving = False

    def on_execute(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        counted.statements.append(statement)
        if counted.resolving:
            counted.identity.append(statement)

    monkeypatch.setattr(auth, "_resolve", resolving)
    event.listen(Engine, "before_cursor_execute", on_execute)
    yield counted
    event.remove(Engine, "before_cursor_execute", on_execute)


def _open(at: AppTest, page: Page, item_id: str | None) -> AppTest:
    at.switch_page(PAGES[page][0])
    at.query_params.clear()
    if item_id is not None:
        at.query_params["id"] = item_id
    at.run()
    assert not at.exception, at.exception
    return at


def _manage_everyone(engine: Engine, local: str) -> None:
    """Make every other demo person report to this one."""
    person = Person.__table__  # type: ignore[attr-defined]
    with write_transaction(engine) as session:
        connection = session.connection()
        mine = select(person.c.id).where(person.c.email.startswith(local + "@"))
        manager = connection.execute(mine).scalar_one()
        connection.execute(update(person).where(person.c.id != manager).values(manager_id=manager))


@pytest.mark.parametrize("page", list(VISITS), ids=lambda p: p.value)
def test_a_rerun_resolves_identity_once_and_stays_under_its_ceiling(
    app: AppFactory, counter: Counter, page: Page, database: Callable[[], Engine]
) -> None:
    person, item_id, ceiling = VISITS[page]
    signed_in = app(as_demo=person)
    if page in MANAGERS:
        _manage_everyone(database(), person)
    at = _open(signed_in, page, item_id)
    assert not at.error, [e.value for e in at.error]
    counter.reset()
    at.run()  # a rerun, as any click on the page makes
    assert not at.exception, at.exception
    assert 1 <= len(counter.identity) <= IDENTITY_CEILING, counter.identity
    assert len(counter.statements) <= ceiling, counter.statements


def test_every_page_has_a_ceiling() -> None:
    assert set(VISITS) == set(PAGES)


def test_the_counter_sees_a_page_that_resolves_identity_twice(
    app: AppFactory, counter: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-rerun reuse is what keeps the count down: without it, the count goes up."""
    at = _open(app(as_demo="legal.learner"), Page.HOME, None)
    counter.reset()
    at.run()
    once = len(counter.identity)
    monkeypatch.setattr(auth, "_rerun_marker", lambda: None)
    counter.reset()
    at.run()
    assert len(counter.identity) >= 2 * once


def test_recording_activity_still_fits_the_identity_ceiling(
    app: AppFactory, counter: Counter, database: Callable[[], Engine]
) -> None:
    """Once a minute a rerun also writes when the session was last used: still at most 5."""
    at = _open(app(as_demo="legal.learner"), Page.HOME, None)
    with write_transaction(database()) as session:
        session.connection().execute(
            update(AuthSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=2))
        )
    counter.reset()
    at.run()
    assert any(s.lstrip().upper().startswith("UPDATE AUTH_SESSION") for s in counter.identity)
    assert len(counter.identity) <= IDENTITY_CEILING, counter.identity
