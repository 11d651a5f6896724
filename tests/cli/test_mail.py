"""`python -m course users invite`, `users import --invite` and `mail send|status`, over real SMTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.services import invitations
from course.services.accounts import Passwords
from course.services.database import close_database, open_database
from course.settings import load_settings
from tests.cli.test_users import Capture, data_dir, run
from tests.mail_sink import MailSink, mail_sink, smtp_server, token_in

__all__ = ["data_dir", "mail_sink", "smtp_server"]


@pytest.fixture
def smtp_env(mail_sink: MailSink, monkeypatch: pytest.MonkeyPatch) -> MailSink:
    monkeypatch.setenv("NTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NTS_SMTP_PORT", str(mail_sink.port))
    monkeypatch.setenv("NTS_SMTP_TLS", "none")
    monkeypatch.setenv("NTS_MAIL_FROM", "course@example.org")
    monkeypatch.setenv("NTS_PUBLIC_URL", "https://learn.example.org/")
    return mail_sink


def add(capsys: Capture, *emails: str) -> None:
    for email in emails:
        assert run(["users", "add", email, "--name", "Someone"], capsys)[0] == 0


def test_invite_queues_then_mail_send_delivers_and_the_link_works(
    capsys: Capture, smtp_env: MailSink
) -> None:
    add(capsys, "eli@example.org", "sam@example.org")
    code, out, _ = run(["users", "invite", "Eli@example.org", "sam@example.org"], capsys)
    assert code == 0
    assert out == "invited 2 people; 2 email(s) queued (send them with: python -m course mail send)\n"
    assert smtp_env.messages == []
    assert run(["mail", "status"], capsys)[:2] == (0, "2 waiting, 0 sent, 0 failed\n")
    assert run(["mail", "send"], capsys)[:2] == (0, "2 sent, 0 to retry later, 0 given up\n")
    assert run(["mail", "send"], capsys)[:2] == (0, "0 sent, 0 to retry later, 0 given up\n")
    [message] = smtp_env.to("eli@example.org")
    token = token_in(message)
    assert "https://learn.example.org/?invite=" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    engine = open_database(load_settings())
    try:
        passwords = Passwords(memory_kib=1024, time_cost=1)
        assert invitations.use_link(engine, token, "a long walk by the river", passwords=passwords)
    finally:
        close_database(engine)


def test_invite_with_unknown_people_invites_nobody(
    capsys: Capture, smtp_env: MailSink, tmp_path: Path
) -> None:
    add(capsys, "eli@example.org")
    listing = tmp_path / "people.txt"
    listing.write_text("# new starters\neli@example.org\n\nghost@example.org\n", encoding="utf-8")
    code, out, err = run(["users", "invite", "--file", str(listing)], capsys)
    assert (code, out) == (1, "")
    assert err == "error: ghost@example.org: nobody has this email\nnobody was invited\n"
    assert run(["users", "invite"], capsys)[0] == 2
    assert run(["mail", "status"], capsys)[1] == "0 waiting, 0 sent, 0 failed\n"


def test_without_smtp_the_console_gets_the_links(capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NTS_SMTP_HOST", raising=False)
    add(capsys, "eli@example.org")
    code, out, _ = run(["users", "invite", "eli@example.org"], capsys)
    assert code == 0
    first, second = out.splitlines()
    assert first.startswith("eli@example.org\thttp://localhost:8501/?invite=")
    assert second.startswith("invited 1 person; no SMTP server is configured")


def test_roster_import_invites_the_people_it_adds(
    capsys: Capture, smtp_env: MailSink, tmp_path: Path
) -> None:
    add(capsys, "old@example.org")
    roster = tmp_path / "hr.csv"
    roster.write_text("email,name\nold@example.org,Someone\nnew@example.org,New Person\n", encoding="utf-8")
    code, out, _ = run(["users", "import", str(roster), "--invite"], capsys)
    assert code == 0
    assert out.endswith("invited 1 person; 1 email(s) queued (send them with: python -m course mail send)\n")
    run(["mail", "send"], capsys)
    assert [m["To"] for m in smtp_env.messages] == ["new@example.org"]


def test_mail_send_keeps_messages_while_the_server_is_down(capsys: Capture, smtp_env: MailSink) -> None:
    add(capsys, "eli@example.org")
    run(["users", "invite", "eli@example.org"], capsys)
    smtp_env.stop()
    code, out, err = run(["mail", "send"], capsys)
    assert (code, out) == (1, "0 sent, 1 to retry later, 0 given up\n")
    assert err.startswith("not sent: eli@example.org: SMTP server 127.0.0.1:")
    assert run(["mail", "status"], capsys)[1] == "1 waiting, 0 sent, 0 failed\n"
