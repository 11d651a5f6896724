"""Sessions that survive in a real browser: reload, new tab, a reopened browser, sign-out everywhere.

The server sets the session cookie (HttpOnly, SameSite=Lax) when the browser brings back the
one-time ticket of its sign-in; these tests check the cookie as the browser stores it, and what
a person sees in each tab.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from course.domain.accounts import parse_capabilities
from course.services.accounts import Passwords, add_account
from course.services.database import close_database, open_database
from course.settings import load_settings
from tests.browser.conftest import (
    _ELSEWHERE,
    WAIT_MS,
    follow_sign_in,
    open_sign_in,
    serve_app,
    settle,
    sign_in_as_demo,
)

pytestmark = pytest.mark.browser

LABEL = "Learner on the Legal & compliance track"
NAME = "Legal & compliance learner (demo)"
EMAIL = "rosa.park@example.org"
PASSPHRASE = "a long passphrase for rosa"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the data folder of the server: its database holds one account with a passphrase."""
    folder = tmp_path_factory.mktemp("nts-cookie")
    engine = open_database(load_settings({
        "NTS_DATA_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'browser.db'}"}))
    try:
        add_account(engine, EMAIL, name="Rosa Park", grants=parse_capabilities("learner"), by=None,
                    passwords=Passwords(memory_kib=1024, time_cost=1), passphrase=PASSPHRASE,
                    tracks=("legal",))
    finally:
        close_database(engine)
    return folder


@pytest.fixture(scope="module")
def server(chromium_path: Path, data: Path) -> Iterator[str]:
    """Serve the app on that database."""
    with serve_app(data) as url:
        yield url


@pytest.fixture
def context(context_on: Callable[[str], BrowserContext], server: str) -> BrowserContext:
    return context_on(server)


def _welcome(page: Page, name: str = NAME) -> None:
    expect(page.get_by_role("heading", name=f"Welcome, {name}", exact=True)).to_be_visible()
    settle(page)


def _signed_out(page: Page) -> None:
    expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    settle(page)


def _session_cookie(context: BrowserContext) -> dict[str, object] | None:
    found = [dict(c) for c in context.cookies() if c["name"] == "nts_session"]
    return found[0] if found else None


def test_a_signed_in_browser_stays_signed_in(browser: Browser, context: BrowserContext, server: str) -> None:
    page = open_sign_in(context)
    sign_in_as_demo(page, LABEL, name=NAME)
    cookie = _session_cookie(context)
    assert cookie is not None
    attributes = (cookie["httpOnly"], cookie["sameSite"], cookie["path"], cookie["secure"])
    assert attributes == (True, "Lax", "/", False)
    # Page scripts cannot read it.
    assert "nts_session" not in page.evaluate("document.cookie")

    page.reload()
    _welcome(page)
    second = context.new_page()
    second.goto("/")
    _welcome(second)

    # Close the browser, keeping what it stores, and open it again: still signed in.
    state = context.storage_state()
    context.close()
    reopened = browser.new_context(base_url=server, storage_state=state)
    try:
        reopened.set_default_timeout(WAIT_MS)
        reopened.route(_ELSEWHERE, lambda route: route.abort())
        page = reopened.new_page()
        page.goto("/")
        _welcome(page)
    finally:
        reopened.close()


def test_signing_out_in_one_tab_signs_the_other_out_at_its_next_click(context: BrowserContext) -> None:
    first = open_sign_in(context)
    sign_in_as_demo(first, LABEL, name=NAME)
    second = context.new_page()
    second.goto("/")
    _welcome(second)

    first.get_by_role("button", name="Sign out").click()
    _signed_out(first)
    assert _session_cookie(context) is None

    second.get_by_role("link", name="My literacy profile").click()
    _signed_out(second)
    second.reload()
    _signed_out(second)


def test_a_passphrase_sign_in_comes_back_to_the_page_asked_for(context: BrowserContext) -> None:
    page = open_sign_in(context, "/profile")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    follow_sign_in(page, lambda: page.get_by_role("button", name="Sign in", exact=True).click())
    expect(page.get_by_role("heading", name="My literacy profile", exact=True)).to_be_visible()
    settle(page)
    assert page.url.endswith("/profile")
    assert _session_cookie(context) is not None
    # The browser is now a known one for this account: throttling judges it by its own failures.
    [device] = [c for c in context.cookies() if c["name"] == "nts_device"]
    assert device["httpOnly"] and device["sameSite"] == "Lax" and len(device["value"]) >= 40


def test_a_sign_out_link_from_outside_the_app_is_refused(context: BrowserContext) -> None:
    page = open_sign_in(context)
    sign_in_as_demo(page, LABEL, name=NAME)
    response = page.goto("/auth/sign-out")  # typed or followed from elsewhere: not from the app
    assert response is not None and response.status == 403
    page.goto("/")
    _welcome(page)


def test_a_used_ticket_cannot_sign_in_another_browser(
    context: BrowserContext, context_on: Callable[[str], BrowserContext], server: str
) -> None:
    page = open_sign_in(context)
    tickets: list[str] = []
    page.on("request", lambda r: tickets.append(r.url) if "/auth/session?" in r.url else None)
    sign_in_as_demo(page, LABEL, name=NAME)
    assert len(tickets) == 1
    thief = context_on(server).new_page()  # another browser, as far as the app knows
    response = thief.goto(tickets[0])
    assert response is not None and response.status in {400, 403}
    thief.goto("/")
    _signed_out(thief)


@pytest.mark.parametrize(("forwarded", "secure"), [("https", True), ("http", False), (None, False)])
def test_the_cookie_is_secure_when_a_trusted_proxy_says_https(
    server: str, forwarded: str | None, secure: bool
) -> None:
    """The proxy on this host (trusted by default) says how the browser reached it."""
    headers = {"Sec-Fetch-Site": "same-origin"}
    if forwarded is not None:
        headers["X-Forwarded-Proto"] = forwarded
    request = urllib.request.Request(f"{server}/auth/sign-out", headers=headers, method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answered:
        opener.open(request, timeout=10)
    assert answered.value.code == 303
    cookie = answered.value.headers["set-cookie"]
    assert cookie.startswith("nts_session=") and "HttpOnly" in cookie
    assert ("Secure" in cookie) is secure


def test_another_process_on_the_same_database_resumes_the_session(
    context: BrowserContext, data: Path
) -> None:
    """A second app process (as behind a load balancer) knows the browser from its cookie alone.

    Browsers keep cookies per host name, not per port, so the second process on this host gets
    the cookie the first one set.
    """
    page = open_sign_in(context)
    sign_in_as_demo(page, LABEL, name=NAME)
    with serve_app(data) as other:
        elsewhere = context.new_page()
        elsewhere.goto(other)
        _welcome(elsewhere)
        elsewhere.get_by_role("button", name="Sign out").click()
        _signed_out(elsewhere)
    page.reload()
    _signed_out(page)


def _last_used(data: Path, minutes_ago: int) -> None:
    """Make every open session look last used this many minutes ago (the server's clock is real)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from course.store.engine import write_transaction
    from course.store.tables import AuthSession

    engine = open_database(load_settings({
        "NTS_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'browser.db'}"}))
    try:
        with write_transaction(engine) as session:
            session.connection().execute(update(AuthSession).values(
                last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes_ago)))
    finally:
        close_database(engine)


def test_a_warning_before_the_idle_time_out_keeps_the_session_or_says_it_ended(
        context: BrowserContext, data: Path) -> None:
    page = context.new_page()
    page.clock.install()  # the page's timers run on a clock the test can move on
    page.goto("/")
    expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible()
    settle(page)
    sign_in_as_demo(page, LABEL, name=NAME)
    welcome = page.get_by_role("heading", name=f"Welcome, {NAME}", exact=True)
    expect(welcome).to_be_focused()  # where the page put the focus when it opened
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_hidden()

    _last_used(data, 29)  # a minute is left on the server
    page.clock.fast_forward("28:00")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(r"You will be signed out in \d+ seconds"))
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#nts-live")).to_have_text("You are still signed in.")
    expect(welcome).to_be_focused()  # the focus is back where it was
    page.get_by_role("link", name="My literacy profile").click()  # the session was kept
    expect(page.get_by_role("heading", name="My literacy profile", exact=True)).to_be_visible()
    settle(page)

    _last_used(data, 31)  # nothing happened for longer than the idle time-out
    page.clock.fast_forward("28:00")
    ended = page.get_by_role("alertdialog", name="You have been signed out")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("everything you finished is saved")
    ended.get_by_role("button", name="Sign in again").click()
    _signed_out(page)
