"""The SMTP and console adapters, and the email settings they are built from."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from course.domain.mail import LinkKind, MailError, render_link_mail
from course.integrations.mail import ConsoleMailer, SmtpMailer, build_message, mailer_from_settings
from course.settings import MailSettings, SettingsError, load_settings
from tests.mail_sink import MailSink, link_in, mail_sink, smtp_server

__all__ = ["mail_sink", "smtp_server"]

MESSAGE = render_link_mail(LinkKind.INVITE, recipient="eli@example.org", name="Eli",
                           link="https://l.example/?invite=" + "T" * 43,
                           expires_at=datetime(2026, 5, 15, tzinfo=UTC), message_id="nts.invite.abc.1")


def test_the_message_has_a_text_and_an_html_part_and_a_stable_id() -> None:
    mime = build_message(MESSAGE, sender="course@example.org")
    assert mime["Message-ID"] == "<nts.invite.abc.1@example.org>"
    assert mime.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mime.iter_parts()] == ["text/plain", "text/html"]


def test_smtp_delivers_to_a_real_server(mail_sink: MailSink) -> None:
    SmtpMailer(mail_sink.settings()).send(MESSAGE)
    [received] = mail_sink.wait_for("eli@example.org")
    assert received["From"] == "course@example.org"
    assert link_in(received) == "https://l.example/?invite=" + "T" * 43


def test_a_server_that_is_down_raises_mail_error_without_secrets(mail_sink: MailSink) -> None:
    mail_sink.stop()
    settings = mail_sink.settings(smtp_username="u", smtp_password="hunter2-secret")
    with pytest.raises(MailError) as failed:
        SmtpMailer(settings, timeout=5).send(MESSAGE)
    assert f"127.0.0.1:{mail_sink.port}" in str(failed.value)
    assert "hunter2" not in str(failed.value) and "hunter2" not in repr(settings)


def test_without_smtp_the_console_gets_the_message() -> None:
    out = io.StringIO()
    ConsoleMailer(out).send(MESSAGE)
    assert "email to eli@example.org: You are invited" in out.getvalue()
    assert "https://l.example/?invite=" in out.getvalue()
    assert isinstance(mailer_from_settings(MailSettings()), ConsoleMailer)
    assert isinstance(mailer_from_settings(MailSettings(smtp_host="mail.example.org")), SmtpMailer)


def test_mail_settings_from_the_environment() -> None:
    mail = load_settings({"NTS_SMTP_HOST": " mail.example.org ", "NTS_SMTP_TLS": "TLS",
                          "NTS_PUBLIC_URL": "https://learn.example.org/", "NTS_INVITE_DAYS": "7"}).mail
    assert (mail.smtp_host, mail.smtp_port, mail.smtp_tls) == ("mail.example.org", 465, "tls")
    assert mail.public_url == "https://learn.example.org" and mail.invite_days == 7 and mail.configured
    assert load_settings({}).mail == MailSettings()
    assert load_settings({"NTS_SMTP_TLS": "none"}).mail.smtp_port == 25


@pytest.mark.parametrize(("name", "value", "message"), [
    ("NTS_SMTP_TLS", "ssl", "expected one of none, starttls, tls"),
    ("NTS_PUBLIC_URL", "learn.example.org", "expected an http:// or https:// address"),
    ("NTS_PUBLIC_URL", "javascript:alert(1)", "expected an http:// or https:// address"),
    ("NTS_MAIL_FROM", "nobody", "expected an email address"),
    ("NTS_MAIL_FROM", "a@b.org\r\nBcc: x@y.org", "expected an email address"),
    ("NTS_SMTP_PORT", "0", "expected a number above 0"),
    ("NTS_RESET_MINUTES", "soon", "expected a whole number"),
])
def test_bad_mail_settings_say_which_and_why(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as refused:
        load_settings({name: value})
    assert str(refused.value).startswith(f"{name}=")
