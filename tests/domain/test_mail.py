"""The invitation and reset emails: wording, link, expiry, and HTML that escapes what it shows."""

from __future__ import annotations

from datetime import UTC, datetime

from course.domain.mail import LinkKind, render_link, render_link_mail

EXPIRES = datetime(2026, 5, 15, 9, 30, tzinfo=UTC)


def test_a_link_opens_the_app_with_the_token_of_its_kind() -> None:
    assert render_link("https://learn.example.org/", LinkKind.INVITE, "abc") == \
        "https://learn.example.org/?invite=abc"
    assert render_link("http://h:8501", LinkKind.RESET, "xyz") == "http://h:8501/?reset=xyz"


def test_an_invitation_has_both_parts_with_the_link_and_its_expiry() -> None:
    mail = render_link_mail(LinkKind.INVITE, recipient="eli@example.org", name="Eli Park",
                            link="https://l.example/?invite=T", expires_at=EXPIRES, message_id="m1")
    assert mail.subject == "You are invited to Need to Share"
    assert mail.text.startswith("Hello Eli Park,\n\n")
    assert "https://l.example/?invite=T" in mail.text
    assert "until 15 May 2026, 09:30 UTC" in mail.text and "until 15 May 2026, 09:30 UTC" in mail.html
    assert '<a href="https://l.example/?invite=T">Choose my passphrase</a>' in mail.html


def test_a_reset_says_what_happens_and_what_to_do_if_unasked() -> None:
    mail = render_link_mail(LinkKind.RESET, recipient="a@example.org", name="", link="L",
                            expires_at=EXPIRES, message_id="m2")
    assert mail.subject == "Reset your Need to Share passphrase"
    assert mail.text.startswith("Hello,\n\n")
    assert "If you did not ask for this" in mail.text


def test_names_and_links_are_escaped_in_the_html_part() -> None:
    mail = render_link_mail(LinkKind.INVITE, recipient="a@example.org", name='<img src=x onerror="1">',
                            link='https://l.example/?invite=T"><script>', expires_at=EXPIRES, message_id="m")
    assert "<img" not in mail.html and "<script>" not in mail.html
    assert "&lt;img src=x onerror=&quot;1&quot;&gt;" in mail.html
