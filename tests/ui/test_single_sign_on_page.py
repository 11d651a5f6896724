"""The sign-in page with single sign-on on and off, and with local passphrases switched off."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from course.domain.accounts import parse_capabilities
from course.services.accounts import SIGN_IN_FAILED, Passwords, add_account
from course.services.database import Engine
from course.services.single_sign_on import NOTICES, REFUSALS
from course.store import audit, people
from course.store.engine import read_session
from tests.ui.conftest import AppFactory

ISSUER = "https://login.example.com"
CLIENT_ID = "need-to-share"
BUTTON = "Sign in with Example Corp"
PASSPHRASE = "correct horse battery staple"
SSO_ENVIRONMENT = {
    "NTS_OIDC_METADATA_URL": f"{ISSUER}/.well-known/openid-configuration",
    "NTS_OIDC_CLIENT_ID": CLIENT_ID,
    "NTS_OIDC_CLIENT_SECRET": "client secret",
    "NTS_OIDC_COOKIE_SECRET": "x" * 40,
    "NTS_OIDC_BUTTON_LABEL": BUTTON,
}


@pytest.fixture
def sso_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SSO_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def _labels(at: AppTest) -> list[str]:
    return [button.label for button in at.button]


def _has_passphrase_form(at: AppTest) -> bool:
    return any(box.label == "Passphrase" for box in at.text_input)


def _signed_in(at: AppTest) -> bool:
    return "Sign out" in _labels(at)


def _claims(email: str, *, verified: bool = True) -> dict[str, object]:
    return {"is_logged_in": True, "iss": ISSUER, "aud": CLIENT_ID, "sub": "s-1", "email": email,
            "email_verified": verified, "name": "From the provider", "provider": "default"}


def _events(engine: Engine, kind: str) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind)


def test_without_single_sign_on_there_is_no_button(app: AppFactory) -> None:
    at = app(demo=False)
    assert BUTTON not in _labels(at) and _has_passphrase_form(at)


@pytest.mark.usefixtures("sso_on")
def test_with_single_sign_on_the_button_sits_beside_the_passphrase_form(app: AppFactory) -> None:
    at = app(demo=False)
    assert BUTTON in _labels(at) and _has_passphrase_form(at)


@pytest.mark.usefixtures("sso_on")
def test_claims_of_a_roster_person_open_our_session(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(demo=False)
    engine = database()
    add_account(engine, "ana.silva@example.org", name="Ana Silva", grants=parse_capabilities("learner"),
                by=None)
    at.user = _claims("Ana.Silva@EXAMPLE.org")
    at.run()
    assert not at.exception, at.exception
    assert _signed_in(at)
    assert [e.actor for e in _events(engine, "sign_in_sso")] == ["ana.silva@example.org"]


@pytest.mark.usefixtures("sso_on")
def test_unverified_claims_are_refused_and_explained(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(demo=False)
    engine = database()
    add_account(engine, "ana.silva@example.org", name="Ana Silva", grants=parse_capabilities("learner"),
                by=None)
    at.user = _claims("ana.silva@example.org", verified=False)
    at.run()
    assert not at.exception, at.exception
    assert not _signed_in(at)
    assert [e.detail for e in _events(engine, "sign_in_sso_refused")] == [{"reason": "unverified"}]
    # The refusal route brings the browser back here with the reason.
    at.user = {}
    at.query_params["sso_refused"] = "unverified"
    at.run()
    assert [e.value for e in at.error] == [REFUSALS["unverified"]]
    # An invented reason shows nothing at all.
    at.query_params["sso_refused"] = "<script>alert(1)</script>"
    at.run()
    assert list(at.error) == []


@pytest.mark.usefixtures("sso_on")
def test_with_passphrases_off_only_an_admin_may_use_the_break_glass_form(
    app: AppFactory, database: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NTS_LOCAL_PASSPHRASES", "0")
    at = app(demo=False)
    assert BUTTON in _labels(at) and not _has_passphrase_form(at)
    assert "Forgot your passphrase?" not in [e.label for e in at.expander]
    engine = database()
    cheap = Passwords(memory_kib=1024, time_cost=1)
    for email, capabilities in (("lea@example.org", "learner"), ("root@example.org", "admin; learner")):
        add_account(engine, email, name=email, grants=parse_capabilities(capabilities), by=None,
                    passwords=cheap, passphrase=PASSPHRASE)
    at.query_params["break_glass"] = "1"
    at.run()
    assert _has_passphrase_form(at)

    def sign_in(email: str) -> None:
        [email_box] = [box for box in at.text_input if box.label == "Email"]
        [passphrase_box] = [box for box in at.text_input if box.label == "Passphrase"]
        email_box.input(email)
        passphrase_box.input(PASSPHRASE)
        [submit] = [b for b in at.button if b.label == "Sign in"]
        submit.click().run()
        assert not at.exception, at.exception

    sign_in("lea@example.org")  # right passphrase, but not an admin
    assert not _signed_in(at) and [e.value for e in at.error] == [SIGN_IN_FAILED]
    assert [e.actor for e in _events(engine, "sign_in_refused")] == ["lea@example.org"]
    sign_in("root@example.org")
    assert _signed_in(at)


@pytest.mark.usefixtures("sso_on")
def test_a_newcomer_is_added_and_told_about_tracks_the_course_lacks(
    app: AppFactory, database: Callable[[], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NTS_OIDC_CREATE_PEOPLE", "1")
    monkeypatch.setenv("NTS_OIDC_TRACKS_CLAIM", "groups")
    at = app(demo=False)
    at.user = {**_claims("new.person@example.org"), "groups": ["legal", "astronauts"]}
    at.run()
    assert not at.exception, at.exception
    assert _signed_in(at)
    engine = database()
    with read_session(engine) as session:
        person = people.find_person(session, "new.person@example.org")
    assert person is not None and person.tracks == ("legal",)
    # The cookie route brings the browser back with the notice named in the address.
    at.user = {}
    at.query_params["sso_notice"] = "tracks"
    at.run()
    assert NOTICES["tracks"] in [e.value for e in at.info]
