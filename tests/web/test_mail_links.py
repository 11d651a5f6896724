"""The unsubscribe page: a GET only asks, a POST (or a mail program's one-click) records the opt-out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from course.domain.messages import MessageKind
from course.domain.permissions import Capability, Grants
from course.services import unsubscribe
from course.services.accounts import add_account
from course.store import audit
from course.store.engine import Engine, read_session, write_transaction
from course.web import resources
from course.web.routes import routes

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PATH = unsubscribe.UNSUBSCRIBE_PATH


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Engine]:
    """Point the routes at a fresh SQLite database."""
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    resources.settings.cache_clear()
    resources.engine.cache_clear()
    yield resources.engine()
    resources.engine().dispose()
    resources.settings.cache_clear()
    resources.engine.cache_clear()


def _token(engine: Engine, email: str = "ada@example.org") -> str:
    info = add_account(engine, email, name="Ada", grants=Grants(frozenset({Capability.LEARNER})), by=None,
                       department="legal", tracks=("legal",), now=NOW)
    with write_transaction(engine) as session:
        key = unsubscribe.signing_key(session, now=NOW)
    return unsubscribe.make_token(key, info.id, MessageKind.REMINDER_BEFORE)


def _opt_outs(engine: Engine) -> int:
    with read_session(engine) as session:
        return len(audit.list_events(session, kind="mail_opt_out"))


def test_opening_the_link_asks_and_only_the_button_stops_reminders(engine: Engine) -> None:
    token = _token(engine)
    client = TestClient(Starlette(routes=routes()))
    page = client.get(PATH, params={"t": token})
    assert page.status_code == 200 and "Stop reminders?" in page.text and "ada@example.org" in page.text
    assert '<form method="post"' in page.text and page.headers["cache-control"] == "no-store"
    assert _opt_outs(engine) == 0  # a link scanner that opens the page stops nothing
    done = client.post(PATH, params={"t": token})
    assert done.status_code == 200 and "Reminders stopped" in done.text
    assert "still go out" in done.text
    assert _opt_outs(engine) == 1
    again = client.get(PATH, params={"t": token})
    assert "Reminders already stopped" in again.text


def test_a_mail_programs_one_click_post_works(engine: Engine) -> None:
    token = _token(engine)
    response = TestClient(Starlette(routes=routes())).post(
        f"{PATH}?t={token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and _opt_outs(engine) == 1


@pytest.mark.parametrize("forge", [
    lambda t: t.replace(".1.", ".2."), lambda t: t[:-2], lambda t: "", lambda t: "<script>alert(1)</script>",
    lambda t: t.replace("reminder-before", "reminder-due"),
])
def test_a_forged_link_finds_nobody_and_echoes_nothing(engine: Engine, forge: object) -> None:
    token = _token(engine)
    _token(engine, "bob@example.org")
    assert callable(forge)
    bad = forge(token)
    client = TestClient(Starlette(routes=routes()))
    for response in (client.get(PATH, params={"t": bad}), client.post(PATH, params={"t": bad})):
        assert response.status_code == 404 and "Link not valid" in response.text
        assert "<script>" not in response.text
    assert _opt_outs(engine) == 0
