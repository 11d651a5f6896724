"""The sign-in page: passphrases, demo mode on and off, and the first-run setup of an administrator."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from course.domain.permissions import Capability, Grants
from course.services import demo
from course.services.accounts import (
    SIGN_IN_FAILED,
    AccountError,
    Passwords,
    add_account,
    complete_first_run_setup,
    set_active,
)
from course.services.database import Engine
from course.settings import load_settings
from course.store import audit
from course.store.engine import read_session
from course.ui import resources
from course.web.lifespan import try_start_up
from tests.bundled import BUNDLED_DEMO_PEOPLE, BUNDLED_INFO
from tests.ui.conftest import APP, AppFactory
from tests.ui.hostile_text import seen

EMAIL = "ana.silva@example.org"
PASSPHRASE = "correct horse battery staple"
FIRST_RUN = "First run: set up the first administrator"
SETUP_TOKEN = re.compile(r"^Need to Share first-run setup token: (\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords()


def _add_learner(engine: Engine, passwords: Passwords) -> None:
    add_account(engine, EMAIL, name="Ana Silva", grants=Grants(frozenset({Capability.LEARNER})), by=None,
                passwords=passwords, passphrase=PASSPHRASE, department="Legal", tracks=("legal",))


def _sign_in(at: AppTest, email: str, passphrase: str) -> AppTest:
    form = [i for i in at.text_input if i.label in {"Email", "Passphrase"}][:2]
    assert [i.label for i in form] == ["Email", "Passphrase"]
    form[0].input(email)
    form[1].input(passphrase)
    [submit] = [b for b in at.button if b.label == "Sign in"]
    submit.click().run()
    assert not at.exception, at.exception
    return at


def _on_sign_in_page(at: AppTest) -> bool:
    return [t.value for t in at.title] == ["Need to Share"] and "nts_token" not in at.session_state


def _first_run_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander if e.label == FIRST_RUN]


def test_a_wrong_passphrase_or_unknown_email_shows_the_generic_message(
    app: AppFactory, database: Callable[[], Engine], passwords: Passwords
) -> None:
    at = app(demo=False)
    engine = database()
    _add_learner(engine, passwords)
    for email, passphrase in [(EMAIL, "not the right passphrase"), ("nobody@example.org", PASSPHRASE)]:
        _sign_in(at, email, passphrase)
        assert [seen(e.value) for e in at.error] == [SIGN_IN_FAILED]
        assert _on_sign_in_page(at)
    with read_session(engine) as session:
        failed = audit.list_events(session, kind="sign_in_failed")
    assert sorted(e.actor for e in failed) == [EMAIL, "nobody@example.org"]


def test_a_real_account_signs_in(
    app: AppFactory, database: Callable[[], Engine], passwords: Passwords
) -> None:
    at = app(demo=False)
    assert _first_run_labels(at) == [FIRST_RUN]  # no account with a passphrase yet
    _add_learner(database(), passwords)
    at.run()
    assert _first_run_labels(at) == []

    _sign_in(at, "  Ana.Silva@Example.ORG ", PASSPHRASE)  # addresses compare case-insensitively
    assert not at.error
    assert [t.value for t in at.title] == ["Welcome, Ana Silva"]
    assert [seen(c.value) for c in at.sidebar.caption] == [f"Signed in as {EMAIL}"]
    assert at.info[0].value.startswith("Next up: ")


def test_demo_sign_in_is_absent_and_refused_when_demo_mode_is_off(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    app()  # demo mode on: the demo people are created, and stay in the database
    resources.reset()  # a restart of the server, with demo mode now off
    at = app(demo=False)
    assert not load_settings().demo_mode
    assert _on_sign_in_page(at)
    assert not [b for b in at.button if (b.key or "").startswith("demo-")]
    assert not [b for b in at.button if b.label.startswith("Demo: ")]
    assert "Try it as a demo user" not in [s.value for s in at.header]

    engine = database()
    for person in BUNDLED_DEMO_PEOPLE:
        with pytest.raises(demo.DemoUnavailable):
            demo.demo_sign_in(engine, person.email, settings=load_settings(), info=BUNDLED_INFO)


def test_demo_sign_in_refuses_anyone_outside_the_demo(
    app: AppFactory, database: Callable[[], Engine], passwords: Passwords
) -> None:
    at = app()
    assert len([b for b in at.button if (b.key or "").startswith("demo-")]) == len(BUNDLED_DEMO_PEOPLE)
    engine = database()
    _add_learner(engine, passwords)
    with pytest.raises(demo.DemoUnavailable):
        demo.demo_sign_in(engine, EMAIL, settings=load_settings(), info=BUNDLED_INFO)


def test_first_run_setup_accepts_the_printed_token(
    app: AppFactory, database: Callable[[], Engine], passwords: Passwords, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    # The server's start-up (its lifespan, which AppTest does not run) prints the token.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    assert try_start_up(load_settings())
    at = app(demo=False)
    printed = SETUP_TOKEN.findall(capsys.readouterr().out)
    assert len(printed) == 1  # printed at start-up, and not again at the first page view
    token = printed[0]
    assert _first_run_labels(at) == [FIRST_RUN]

    def set_up(with_token: str) -> None:
        [expander] = [e for e in at.expander if e.label == FIRST_RUN]
        fields = {i.label: i for i in expander.text_input}
        fields["Setup token"].input(with_token)
        fields["Your name"].input("Grace Admin")
        fields["Email"].input("grace@example.org")
        fields["Passphrase (at least 12 characters)"].input(PASSPHRASE)
        [create] = [b for b in at.button if b.label == "Create administrator"]
        create.click().run()
        assert not at.exception, at.exception

    set_up("not-the-token")
    assert [seen(e.value) for e in at.error] == ["the setup token is not valid, or setup was already done"]
    set_up(token)
    assert not at.error
    # Setting up signs the new administrator in at once; back from the cookie route, they land on People.
    assert sum("/auth/session?ticket=" in h.value for h in at.html) == 1  # the rest: focus style, script
    at.run()
    assert [t.value for t in at.title] == ["People"]

    # The token is spent: a second administrator cannot be made with it.
    with pytest.raises(AccountError, match="setup token is not valid"):
        complete_first_run_setup(database(), token, email="mallory@example.org", name="Mallory",
                                 passphrase=PASSPHRASE, passwords=passwords)

    fresh = AppTest.from_file(APP, default_timeout=60).run()
    assert _first_run_labels(fresh) == []
    _sign_in(fresh, "grace@example.org", PASSPHRASE).run()
    assert [t.value for t in fresh.title] == ["People"]


def test_disabling_an_account_ends_its_session_and_refuses_sign_in(
    app: AppFactory, database: Callable[[], Engine], passwords: Passwords
) -> None:
    at = app(demo=False)
    engine = database()
    _add_learner(engine, passwords)
    _sign_in(at, EMAIL, PASSPHRASE)
    assert [t.value for t in at.title] == ["Welcome, Ana Silva"]

    set_active(engine, EMAIL, active=False, by=None)
    at.run()
    assert _on_sign_in_page(at)
    _sign_in(at, EMAIL, PASSPHRASE)
    assert [seen(e.value) for e in at.error] == [SIGN_IN_FAILED]
    assert _on_sign_in_page(at)


def test_the_demo_button_of_a_disabled_demo_account_shows_a_message(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = app()
    trainer = next(p for p in BUNDLED_DEMO_PEOPLE if p.local == "trainer")
    set_active(database(), trainer.email, active=False, by=None)
    at.button(key=f"demo-{trainer.local}").click().run()
    assert not at.exception, at.exception
    assert _on_sign_in_page(at)
    assert [seen(e.value) for e in at.error] == ["This demo account does not exist or is disabled"]
