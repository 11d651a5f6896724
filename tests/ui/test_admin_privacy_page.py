"""The privacy settings page: administrators change the minimum group and leaders' filters."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from course.domain.org_settings import PrivacySettings
from course.domain.permissions import Page
from course.domain.reminders import ReminderSettings
from course.domain.xapi import EventKind
from course.integrations.lrs import HttpLrs
from course.services import learning_records
from course.services.org_settings import get_privacy
from course.services.reminder_settings import get_reminder_settings
from course.settings import load_settings
from course.store import xapi_outbox
from course.store.engine import read_session, write_transaction
from course.ui.links import PAGES
from tests.domain.test_xapi import every_kind
from tests.ui.conftest import AppFactory

PRIVACY = PAGES[Page.ADMIN_PRIVACY][0]


def test_an_admin_raises_the_minimum_and_narrows_the_leaders_filters(
        app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(as_demo="admin")
    at.switch_page(PRIVACY).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Privacy settings"]
    # The page's parts sit one level under its h1: a skipped level breaks navigation by headings.
    assert [h.value for h in at.header] == ["Reminder emails", "Learning records"] and not at.subheader
    assert any("No learning record store is connected" in c.value for c in at.caption)
    assert not at.metric
    assert at.number_input[0].value == 5 and at.number_input[0].proto.min == 3
    at.number_input[0].set_value(8)
    at.multiselect[0].set_value(["departments", "period"])
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Saved. Dashboards use the new settings from now on."]
    assert get_privacy(database()) == PrivacySettings(8, frozenset({"departments", "period"}))


def test_leaders_and_trainers_cannot_open_the_page(app: AppFactory, database: Callable[[], Engine]) -> None:
    for person in ("leader", "trainer"):
        at = app(as_demo=person)
        at.switch_page(PRIVACY).run()
        assert [e.value for e in at.error] == ["You do not have access to this page."]
        assert not at.number_input and "Save settings" not in [b.label for b in at.button]
    assert get_privacy(database()).min_group_size == 5


def test_a_leader_no_longer_sees_a_filter_the_admin_switched_off(app: AppFactory) -> None:
    at = app(as_demo="admin")
    at.switch_page(PRIVACY).run()
    at.multiselect[0].set_value(["departments"])
    next(b for b in at.button if b.label == "Save settings").click().run()
    leader = app(as_demo="leader")
    leader.switch_page(PAGES[Page.DASHBOARD][0]).run()
    assert not leader.exception, leader.exception
    assert [m.label for m in leader.multiselect] == ["Departments"]
    assert not leader.date_input
    assert any("switched some filters off" in c.value for c in leader.caption)


def test_an_admin_sets_the_reminder_rules_and_a_bad_time_zone_is_refused(
        app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(as_demo="admin")
    at.switch_page(PRIVACY).run()
    at.text_input[0].set_value("Mars/Olympus")
    next(b for b in at.button if b.label == "Save reminder rules").click().run()
    assert next(e.value for e in at.error).startswith("Unknown time zone 'Mars/Olympus'")
    at.text_input[0].set_value("Europe/Paris")
    at.number_input[3].set_value(2)
    next(b for b in at.button if b.label == "Save reminder rules").click().run()
    assert not at.exception, at.exception
    assert "Saved. The next reminder run follows these rules." in [s.value for s in at.success]
    assert get_reminder_settings(database()) == ReminderSettings("Europe/Paris", 20, 8, 2)
def test_an_admin_sees_the_learning_records_outbox_with_the_lrs_error_as_plain_text(
        app: AppFactory, database: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTS_LRS_ENDPOINT", f"http://127.0.0.1:{_closed_port()}/xAPI")
    monkeypatch.setenv("NTS_LRS_ACTOR_KEY", "an-actor-key-of-some-length")
    app()  # makes the database
    engine = database()
    statement = every_kind(person_id=_admin_id(engine))[EventKind.SECTION_READ]
    with write_transaction(engine) as session:
        xapi_outbox.queue_statements(session, [statement], now=datetime.now(UTC))
    report = learning_records.send_statements(engine, HttpLrs(load_settings().lrs, timeout=2))
    assert (report.sent, report.failed) == (0, 1)
    at = app(as_demo="admin")
    at.switch_page(PRIVACY).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric} == {"Waiting": "1", "Sent": "0", "Failing": "1"}
    assert [t.value for t in at.text] == [report.errors[0]]
    assert "unreachable" in report.errors[0]


def test_an_oauth_token_endpoint_that_is_down_shows_as_the_last_error_without_the_secret(
        app: AppFactory, database: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "an-oauth-client-secret-never-shown"
    token_url = f"http://127.0.0.1:{_closed_port()}/oauth2/token"
    monkeypatch.setenv("NTS_LRS_ENDPOINT", f"http://127.0.0.1:{_closed_port()}/xAPI")
    monkeypatch.setenv("NTS_LRS_ACTOR_KEY", "an-actor-key-of-some-length")
    monkeypatch.setenv("NTS_LRS_OAUTH_TOKEN_URL", token_url)
    monkeypatch.setenv("NTS_LRS_OAUTH_CLIENT_ID", "need-to-share")
    monkeypatch.setenv("NTS_LRS_OAUTH_CLIENT_SECRET", secret)
    app()
    engine = database()
    statement = every_kind(person_id=_admin_id(engine))[EventKind.SECTION_READ]
    with write_transaction(engine) as session:
        xapi_outbox.queue_statements(session, [statement], now=datetime.now(UTC))
    report = learning_records.send_statements(engine, HttpLrs(load_settings().lrs, timeout=2))
    assert (report.sent, report.failed) == (0, 1)
    at = app(as_demo="admin")
    at.switch_page(PRIVACY).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric} == {"Waiting": "1", "Sent": "0", "Failing": "1"}
    [shown] = [t.value for t in at.text]
    assert shown == report.errors[0] and shown.startswith(f"OAuth token endpoint {token_url} unreachable: ")
    page = " ".join(str(e.value) for kind in (at.markdown, at.caption, at.text, at.error, at.warning,
                                              at.info, at.text_input) for e in kind)
    assert shown in page and secret not in page


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _admin_id(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.connection().execute(
            text("SELECT id FROM person WHERE email LIKE 'admin@%'")).scalar_one())
