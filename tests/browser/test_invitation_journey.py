"""Invitation and reset links in a real browser, received over SMTP from the app's own server.

The server is started with SMTP pointing at a real SMTP server on 127.0.0.1 (tests/mail_sink.py).
An invited person follows the link from the email, chooses a passphrase and signs in; then,
signed out, they ask for a reset on the sign-in page, which the server emails in the background,
follow that link and sign in with the new passphrase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from course.domain.permissions import Capability, Grants
from course.integrations.mail import SmtpMailer
from course.services.accounts import add_account
from course.services.invitations import LINK_REFUSED, RESET_ANSWERED, invite_people
from course.services.outbox import send_outbox
from course.store.engine import create_store_engine
from course.store.migrate import upgrade_database
from tests.browser.conftest import WAIT_MS, serve_app, settle, shoot
from tests.mail_sink import MailSink, mail_sink, smtp_server, token_in

__all__ = ["mail_sink", "smtp_server"]

pytestmark = pytest.mark.browser

EMAIL = "noor.haddad@example.org"
NAME = "Noor Haddad"
FIRST = "a quiet harbour at dawn"
SECOND = "seven lanterns over the bridge"


@pytest.fixture
def served(chromium_path: Path, tmp_path: Path, mail_sink: MailSink) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "data"
    data.mkdir()
    environment = {"NTS_SMTP_HOST": "127.0.0.1", "NTS_SMTP_PORT": str(mail_sink.port), "NTS_SMTP_TLS": "none",
                   "NTS_MAIL_FROM": "course@example.org", "NTS_PUBLIC_URL": "https://learn.example.org"}
    with serve_app(data, environment=environment) as url:
        yield url, data


def _follow(context: BrowserContext, link: str, url: str) -> Page:
    """Open the emailed link on the test server (the email names the public address)."""
    assert link.startswith("https://learn.example.org/?")
    page = context.new_page()
    page.goto(url + link.removeprefix("https://learn.example.org"))
    expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    return page


def _set_passphrase(page: Page, heading: str, passphrase: str) -> None:
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert "?" not in page.url.rpartition("/")[2], "the token must leave the address bar"
    page.get_by_label("New passphrase", exact=True).fill(passphrase)
    page.get_by_label("Repeat the new passphrase", exact=True).fill(passphrase)
    page.get_by_role("button", name="Set passphrase", exact=True).click()
    expect(page.get_by_text(f"Your passphrase is set. Sign in with {EMAIL}")).to_be_visible()
    settle(page)


def _sign_in(page: Page, passphrase: str) -> None:
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Passphrase", exact=True).fill(passphrase)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name=f"Welcome, {NAME}", exact=True)).to_be_visible()
    settle(page)


def test_an_invited_person_sets_a_passphrase_then_resets_it(
    served: tuple[str, Path], mail_sink: MailSink, context_on: Callable[[str], BrowserContext],
    screenshots: Path,
) -> None:
    url, data = served
    engine = create_store_engine(f"sqlite:///{data / 'browser.db'}")
    try:
        upgrade_database(engine)
        add_account(engine, EMAIL, name=NAME, grants=Grants(frozenset({Capability.LEARNER})), by=None,
                    department="Legal", tracks=("legal",))
        mail = mail_sink.settings(public_url="https://learn.example.org")
        assert invite_people(engine, [EMAIL], by=None, mail=mail).queued == 1
        assert send_outbox(engine, SmtpMailer(mail), mail=mail).sent == 1
    finally:
        engine.dispose()
    [invitation] = mail_sink.wait_for(EMAIL)
    page = _follow(context_on(url), link := f"https://learn.example.org/?invite={token_in(invitation)}", url)
    shoot(page, screenshots, "invitation-landing")
    expect(page.get_by_text(f"For the account {EMAIL}", exact=True)).to_be_visible()
    assert token_in(invitation) not in page.content()
    _set_passphrase(page, "Choose your passphrase", FIRST)
    _sign_in(page, FIRST)

    # The same link, followed again, gets the one plain refusal.
    again = _follow(context_on(url), link, url)
    expect(again.get_by_text(LINK_REFUSED, exact=True)).to_be_visible()

    # Forgot passphrase: the server sends the reset email itself, in the background.
    forgot = _follow(context_on(url), "https://learn.example.org/?", url)
    forgot.get_by_text("Forgot your passphrase?", exact=True).click()
    forgot.get_by_label("Your email", exact=True).fill(EMAIL.upper())
    forgot.get_by_role("button", name="Email me a link", exact=True).click()
    expect(forgot.get_by_text(RESET_ANSWERED, exact=True)).to_be_visible()
    reset = mail_sink.wait_for(EMAIL, count=2)[1]
    assert "Reset" in reset["Subject"]
    page = _follow(context_on(url), f"https://learn.example.org/?reset={token_in(reset)}", url)
    _set_passphrase(page, "Choose a new passphrase", SECOND)
    _sign_in(page, SECOND)
