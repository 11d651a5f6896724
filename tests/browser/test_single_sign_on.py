"""Single sign-on in a real browser, against a real OpenID Connect provider on 127.0.0.1.

The provider (`oidc-provider-mock`) issues signed identity tokens for people preset with their
claims; the app signs them in with `st.login` (authorization code flow, state, nonce, PKCE),
matches them to the roster and hands the session to our own cookie.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import oidc_provider_mock
import pytest
import werkzeug.serving
from playwright.sync_api import BrowserContext, Page, expect

from bench.load import free_port
from course.domain.accounts import parse_capabilities
from course.services.accounts import add_account
from course.services.database import close_database, open_database
from course.settings import load_settings
from course.store import audit
from course.store.engine import read_session
from tests.browser.conftest import WAIT_MS, open_sign_in, serve_app, settle

pytestmark = pytest.mark.browser

CLIENT_ID = "need-to-share-tests"
BUTTON = "Sign in with Example Corp"
PEOPLE = {
    # The roster holds rosa.park@example.org; the provider spells it with other case.
    "rosa": {"email": "Rosa.Park@Example.org", "email_verified": True, "name": "Rosa from the provider"},
    "ulla": {"email": "ulla.unverified@example.org", "email_verified": False, "name": "Ulla"},
    "nina": {"email": "nina.nobody@example.org", "email_verified": True, "name": "Nina"},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """Run an OpenID Connect provider on 127.0.0.1 with the people above; yield its issuer."""
    users = [oidc_provider_mock.User(sub=sub, claims=dict(claims)) for sub, claims in PEOPLE.items()]
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(user_claims=users),
                                          threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the data folder of the server: its roster holds Rosa, without a passphrase."""
    folder = tmp_path_factory.mktemp("nts-sso")
    engine = open_database(load_settings({
        "NTS_DATA_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'browser.db'}"}))
    try:
        add_account(engine, "rosa.park@example.org", name="Rosa Park",
                    grants=parse_capabilities("learner"), by=None, tracks=("legal",))
    finally:
        close_database(engine)
    return folder


def _environment(provider: str, port: int, **more: str) -> dict[str, str]:
    return {
        "NTS_OIDC_METADATA_URL": f"{provider}/.well-known/openid-configuration",
        "NTS_OIDC_CLIENT_ID": CLIENT_ID,
        "NTS_OIDC_CLIENT_SECRET": secrets.token_urlsafe(16),
        "NTS_OIDC_COOKIE_SECRET": secrets.token_urlsafe(32),
        "NTS_OIDC_BUTTON_LABEL": BUTTON,
        "NTS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **more,
    }


@pytest.fixture(scope="module")
def server(chromium_path: Path, data: Path, provider: str) -> Iterator[str]:
    """Serve the app with single sign-on at the provider (people are not created on sign-in)."""
    port = free_port()
    with serve_app(data, environment=_environment(provider, port), port=port) as url:
        yield url


@pytest.fixture
def context(context_on: Callable[[str], BrowserContext], server: str) -> BrowserContext:
    return context_on(server)


def _cookies(context: BrowserContext) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in context.cookies()}


def _sign_in_at_provider(page: Page, sub: str) -> None:
    page.get_by_role("button", name=BUTTON).click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_role("button", name=sub, exact=True).click()


def _events(data: Path, kind: str) -> list[dict[str, object]]:
    engine = open_database(load_settings({
        "NTS_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'browser.db'}"}))
    try:
        with read_session(engine) as session:
            return [{"label": e.actor, "detail": e.detail} for e in audit.list_events(session, kind=kind)]
    finally:
        close_database(engine)


def test_a_roster_person_signs_in_at_the_provider_and_stays_signed_in(
    context: BrowserContext, data: Path
) -> None:
    page = open_sign_in(context)
    with page.expect_request(lambda request: "/auth/session?" in request.url, timeout=WAIT_MS * 2):
        _sign_in_at_provider(page, "rosa")
    welcome = page.get_by_role("heading", name="Welcome, Rosa Park", exact=True)
    expect(welcome).to_be_visible()
    settle(page)
    cookies = _cookies(context)
    assert "nts_session" in cookies
    # Identity lives only in our session: Streamlit's own sign-in cookie is gone.
    assert not [name for name in cookies if name.startswith("_streamlit_user")]
    page.reload()
    expect(welcome).to_be_visible()
    settle(page)
    assert [e["label"] for e in _events(data, "sign_in_sso")][:1] == ["rosa.park@example.org"]


@pytest.mark.parametrize(("sub", "reason", "text"), [
    ("ulla", "unverified", "has not verified your email address"),
    ("nina", "unknown", "you have no account in this course"),
])
def test_a_refused_person_is_told_why_and_holds_no_session(
    context: BrowserContext, data: Path, sub: str, reason: str, text: str
) -> None:
    page = open_sign_in(context)
    _sign_in_at_provider(page, sub)
    expect(page.get_by_text(text)).to_be_visible()
    settle(page)
    cookies = _cookies(context)
    assert "nts_session" not in cookies
    assert not [name for name in cookies if name.startswith("_streamlit_user")]
    page.reload()  # nothing is left to sign them in with
    expect(page.get_by_role("button", name=BUTTON)).to_be_visible()
    settle(page)
    assert page.get_by_role("button", name="Sign out").count() == 0
    refused = _events(data, "sign_in_sso_refused")
    assert any(e["detail"] == {"reason": reason} for e in refused)


def test_a_token_from_another_issuer_than_configured_is_refused(
    context_on: Callable[[str], BrowserContext], provider: str, tmp_path: Path
) -> None:
    """The provider's token is genuine, but not from the issuer this organisation trusts."""
    port = free_port()
    environment = _environment(provider, port, NTS_OIDC_ISSUER="https://login.example.com/other-tenant")
    with serve_app(tmp_path, environment=environment, port=port) as url:
        context = context_on(url)
        page = open_sign_in(context)
        _sign_in_at_provider(page, "rosa")
        expect(page.get_by_text("it was not issued for this app")).to_be_visible()
        settle(page)
        assert "nts_session" not in _cookies(context)
        assert [e["detail"] for e in _events(tmp_path, "sign_in_sso_refused")] == [{"reason": "token"}]
