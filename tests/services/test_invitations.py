"""Invitations and resets, end to end through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from course.domain.mail import MailError, OutgoingMail
from course.domain.permissions import Actor
from course.integrations.mail import SmtpMailer
from course.services import accounts, invitations, outbox
from course.services.accounts import AccountError, Passwords
from course.services.invitations import LINK_REFUSED, RESET_ANSWERED, ResetPolicy
from course.services.permissions import PermissionDenied
from course.settings import MailSettings
from course.store import audit
from course.store.engine import read_session
from tests.mail_sink import MailSink, link_in, token_in

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PASSPHRASE = "a long walk by the grey river"
MakePerson = Callable[..., Actor]


def invite_and_send(engine: Engine, sink: MailSink, *emails: str, by: Actor | None = None) -> None:
    report = invitations.invite_people(engine, emails, by=by, mail=sink.settings(), now=NOW)
    assert report.problems == ()
    assert report.queued == len(emails)
    sent = outbox.send_outbox(engine, SmtpMailer(sink.settings()), mail=sink.settings(), now=NOW)
    assert sent.sent == len(emails), sent


def kinds(engine: Engine, kind: str) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind)


def test_an_invitation_arrives_sets_the_passphrase_and_sign_in_works(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, passwords: Passwords
) -> None:
    make_person("eli@example.org", name="Eli Park")
    invite_and_send(engine, mail_sink, "Eli@Example.org")
    [message] = mail_sink.to("eli@example.org")
    assert message["From"] == "course@example.org"
    assert "invited" in message["Subject"]
    assert "Hello Eli Park," in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = link_in(message)
    assert link.startswith("http://app.example/?invite=")
    token = token_in(message)
    check = invitations.check_link(engine, token, now=NOW)
    assert check is not None and check.email == "eli@example.org"
    email = invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, now=NOW)
    assert email == "eli@example.org"
    assert accounts.sign_in(engine, email, PASSPHRASE, passwords=passwords, now=NOW).ok
    assert len(kinds(engine, "passphrase_set_by_link")) == 1
    with pytest.raises(AccountError, match="does not work"):  # one use only
        invitations.use_link(engine, token, PASSPHRASE + " again", passwords=passwords, now=NOW)


def test_the_database_never_holds_a_token(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    make_person("eli@example.org")
    invite_and_send(engine, mail_sink, "eli@example.org")
    token = token_in(mail_sink.to("eli@example.org")[0])
    with read_session(engine) as session:
        dump = repr(session.connection().execute(text("SELECT * FROM access_link")).all())
        dump += repr(session.connection().execute(text("SELECT * FROM mail_outbox")).all())
    assert token not in dump
    assert accounts.hash_token(token) in dump


def test_a_refused_passphrase_leaves_the_link_working(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, passwords: Passwords
) -> None:
    make_person("eli@example.org")
    invite_and_send(engine, mail_sink, "eli@example.org")
    token = token_in(mail_sink.to("eli@example.org")[0])
    with pytest.raises(AccountError, match="passphrase refused"):
        invitations.use_link(engine, token, "short", passwords=passwords, now=NOW)
    with pytest.raises(AccountError, match="longer than 1024"):
        invitations.use_link(engine, token, "é" * 3_000_000, passwords=passwords, now=NOW)
    assert invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, now=NOW)


def test_expired_forged_oversized_and_replaced_links_get_one_answer(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, passwords: Passwords
) -> None:
    make_person("eli@example.org")
    invite_and_send(engine, mail_sink, "eli@example.org")
    token = token_in(mail_sink.to("eli@example.org")[0])
    later = NOW + timedelta(days=14, seconds=1)
    forged = "A" * 43
    for bad, when in [(token, later), (forged, NOW), ("x" * 5_000_000, NOW), ("", NOW),
                      ("../../etc/passwd", NOW), ("*" * 43, NOW), (token + "A", NOW)]:
        assert invitations.check_link(engine, bad, now=when) is None
        with pytest.raises(AccountError) as refused:
            invitations.use_link(engine, bad, PASSPHRASE, passwords=passwords, now=when)
        assert str(refused.value) == LINK_REFUSED
    invite_and_send(engine, mail_sink, "eli@example.org")  # a new invitation replaces the first
    assert invitations.check_link(engine, token, now=NOW) is None
    newer = token_in(mail_sink.to("eli@example.org")[1])
    assert invitations.check_link(engine, newer, now=NOW) is not None


def test_a_disabled_account_cannot_use_its_link(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, passwords: Passwords
) -> None:
    make_person("eli@example.org")
    invite_and_send(engine, mail_sink, "eli@example.org")
    token = token_in(mail_sink.to("eli@example.org")[0])
    accounts.set_active(engine, "eli@example.org", active=False, by=None)
    with pytest.raises(AccountError, match="does not work"):
        invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, now=NOW)


def test_a_reset_ends_sessions_and_closes_every_other_link(
    engine: Engine, mail_sink: MailSink, passwords: Passwords
) -> None:
    accounts.add_account(engine, "ada@example.org", name="Ada", grants=accounts.Grants(
        capabilities=frozenset({accounts.Capability.LEARNER})), by=None, passwords=passwords,
        passphrase="the old passphrase here", now=NOW)
    old = "the old passphrase here"
    session = accounts.sign_in(engine, "ada@example.org", old, passwords=passwords, now=NOW)
    assert session.ok and session.token
    mail = mail_sink.settings()
    for _ in range(2):
        assert invitations.request_reset(engine, "ADA@example.org", mail=mail, now=NOW) == RESET_ANSWERED
    outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW)
    first, second = mail_sink.wait_for("ada@example.org", count=2)
    assert "Reset" in first["Subject"] and "/?reset=" in link_in(first)
    invitations.use_link(engine, token_in(second), PASSPHRASE, passwords=passwords, address="10.1.1.1",
                         now=NOW + timedelta(minutes=5))
    assert accounts.resume_session(engine, session.token, now=NOW + timedelta(minutes=5)) is None
    assert invitations.check_link(engine, token_in(first), now=NOW) is None
    assert not accounts.sign_in(engine, "ada@example.org", "the old passphrase here", passwords=passwords,
                                now=NOW + timedelta(minutes=6)).ok
    assert accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords,
                            now=NOW + timedelta(minutes=6)).ok
    [event] = kinds(engine, "passphrase_set_by_link")
    assert event.detail == {"link": "reset", "other_links_closed": 1, "sessions_ended": 1}
    assert event.address == "10.1.1.1"


def test_a_reset_link_expires_within_the_hour(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, passwords: Passwords
) -> None:
    make_person("ada@example.org")
    mail = mail_sink.settings()
    invitations.request_reset(engine, "ada@example.org", mail=mail, now=NOW)
    outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW)
    token = token_in(mail_sink.wait_for("ada@example.org")[0])
    assert invitations.check_link(engine, token, now=NOW + timedelta(minutes=59)) is not None
    with pytest.raises(AccountError, match="does not work"):
        invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, now=NOW + timedelta(minutes=61))


def test_a_reset_for_an_unknown_email_sends_nothing_and_answers_the_same(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    make_person("ada@example.org")
    make_person("off@example.org")
    accounts.set_active(engine, "off@example.org", active=False, by=None)
    mail = mail_sink.settings()
    answers = {invitations.request_reset(engine, email, mail=mail, now=NOW)
               for email in ("nobody@example.org", "not an email", "x" * 100_000 + "@example.org",
                             "off@example.org", "ada@example.org")}
    assert answers == {RESET_ANSWERED}
    report = outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW)
    assert report.sent == 1
    assert [m["To"] for m in mail_sink.messages] == ["ada@example.org"]


def test_resets_are_throttled_per_email_and_per_address(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    make_person("ada@example.org")
    make_person("eli@example.org")
    mail = mail_sink.settings()
    policy = ResetPolicy(per_account=3, per_address=5)
    ask = functools.partial(invitations.request_reset, engine, mail=mail, policy=policy)
    for _ in range(10):
        ask("ada@example.org", address="10.0.0.9", now=NOW)
    ask("eli@example.org", address="10.0.0.9", now=NOW)
    ask("eli@example.org", address="10.0.0.9", now=NOW)
    # The address has used its 5; another address may still ask for eli, and ada waits an hour.
    ask("eli@example.org", address="10.0.0.10", now=NOW)
    outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW)
    ask("ada@example.org", address="10.0.0.10", now=NOW + timedelta(minutes=61))
    outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW + timedelta(minutes=61))
    assert len(mail_sink.to("ada@example.org")) == 4
    assert len(mail_sink.to("eli@example.org")) == 3
    assert len(kinds(engine, "reset_throttled")) == 7


def test_learners_and_trainers_cannot_invite(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    make_person("eli@example.org")
    mail = mail_sink.settings()
    refused = (("learner", "lee@example.org"), ("learner; trainer; leader", "tia@example.org"))
    for capabilities, email in refused:
        actor = make_person(email, capabilities=capabilities)
        with pytest.raises(PermissionDenied):
            invitations.invite_people(engine, ["eli@example.org"], by=actor, mail=mail, now=NOW)
        with pytest.raises(PermissionDenied):
            outbox.mail_status(engine, by=actor)
    assert len(kinds(engine, "action_denied")) == 4
    assert kinds(engine, "invitation_created") == []
    admin = make_person("root@example.org", capabilities="admin")
    invite_and_send(engine, mail_sink, "eli@example.org", by=admin)
    [event] = kinds(engine, "invitation_created")
    assert event.actor == "root@example.org" and event.subject == "eli@example.org"


def test_a_bad_email_in_the_list_invites_nobody(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    make_person("eli@example.org")
    make_person("off@example.org")
    accounts.set_active(engine, "off@example.org", active=False, by=None)
    report = invitations.invite_people(
        engine, ["eli@example.org", "ghost@example.org", "off@example.org", "not-an-email"], by=None,
        mail=mail_sink.settings(), now=NOW)
    assert report.invited == () and report.queued == 0
    assert "ghost@example.org: nobody has this email" in report.problems
    assert "off@example.org: the account is disabled" in report.problems
    assert any(p.startswith("'not-an-email'") for p in report.problems)
    assert outbox.mail_status(engine, by=None)[0].waiting == 0


def test_without_smtp_the_links_are_returned_to_show(
    engine: Engine, make_person: MakePerson, passwords: Passwords
) -> None:
    make_person("eli@example.org")
    mail = MailSettings(public_url="https://learn.example.org")
    report = invitations.invite_people(engine, ["eli@example.org"], by=None, mail=mail, now=NOW)
    [shown] = report.shown
    assert report.queued == 0 and shown.email == "eli@example.org"
    assert shown.link.startswith("https://learn.example.org/?invite=")
    token = shown.link.rpartition("=")[2]
    assert invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, now=NOW) == "eli@example.org"


def test_a_message_is_kept_while_the_server_is_down_and_sent_later(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink, passwords: Passwords
) -> None:
    make_person("eli@example.org")
    mail = mail_sink.settings()
    invitations.invite_people(engine, ["eli@example.org"], by=None, mail=mail, now=NOW)
    mail_sink.stop()
    down = outbox.send_outbox(engine, SmtpMailer(mail, timeout=5), mail=mail, now=NOW)
    assert (down.sent, down.retrying, down.failed) == (0, 1, 0)
    assert "127.0.0.1" in down.errors[0]
    counts, _ = outbox.mail_status(engine, by=None)
    assert counts.waiting == 1
    mail_sink.start()
    too_soon = outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW + timedelta(seconds=30))
    assert too_soon.sent == 0
    later = outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW + timedelta(minutes=2))
    assert later.sent == 1
    token = token_in(mail_sink.wait_for("eli@example.org")[0])
    later_on = NOW + timedelta(minutes=3)
    assert invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, now=later_on)
    again = outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW + timedelta(hours=9))
    assert again.sent == 0


class Refusing:
    """A mail server that never accepts anything."""

    def __init__(self) -> None:
        self.tries = 0

    def send(self, message: OutgoingMail) -> None:
        self.tries += 1
        raise MailError("550 mailbox unavailable")


def test_a_message_is_given_up_after_its_attempts_and_shown_as_failed(
    engine: Engine, make_person: MakePerson
) -> None:
    make_person("eli@example.org")
    mail = MailSettings(smtp_host="mail.invalid")
    invitations.invite_people(engine, ["eli@example.org"], by=None, mail=mail, now=NOW)
    refusing = Refusing()
    retry = outbox.RetryPolicy(max_attempts=3)
    when = NOW
    for _ in range(5):
        outbox.send_outbox(engine, refusing, mail=mail, retry=retry, now=when)
        when += timedelta(hours=7)
    assert refusing.tries == 3
    counts, failed = outbox.mail_status(engine, by=None)
    assert (counts.waiting, counts.failed, counts.sent) == (0, 1, 0)
    assert failed[0].recipient == "eli@example.org" and "550" in failed[0].last_error


def test_a_link_closed_before_sending_is_not_sent(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    make_person("eli@example.org")
    mail = mail_sink.settings()
    invitations.invite_people(engine, ["eli@example.org"], by=None, mail=mail, now=NOW)
    invitations.invite_people(engine, ["eli@example.org"], by=None, mail=mail, now=NOW)
    report = outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW)
    assert (report.sent, report.failed) == (1, 1)
    assert len(mail_sink.to("eli@example.org")) == 1


class Slow:
    """A mail server that takes its time, and counts what each recipient received."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: dict[str, int] = {}

    def send(self, message: OutgoingMail) -> None:
        time.sleep(0.01)  # long enough for the senders to overlap, not a limit on anything
        with self.lock:
            self.received[message.recipient] = self.received.get(message.recipient, 0) + 1


def test_senders_running_at_once_send_each_email_once(engine: Engine, make_person: MakePerson) -> None:
    emails = [f"p{n}@example.org" for n in range(40)]
    for email in emails:
        make_person(email)
    mail = MailSettings(smtp_host="mail.example.org")
    invitations.invite_people(engine, emails, by=None, mail=mail, now=NOW)
    slow = Slow()
    barrier = threading.Barrier(4)

    def drain() -> None:
        barrier.wait()
        outbox.send_outbox(engine, slow, mail=mail, batch=5, now=NOW)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert slow.received == dict.fromkeys(emails, 1)
    assert outbox.mail_status(engine, by=None)[0].sent == 40


def test_a_link_used_twice_at_once_works_once(
    engine: Engine, make_person: MakePerson, passwords: Passwords
) -> None:
    make_person("eli@example.org")
    report = invitations.invite_people(engine, ["eli@example.org"], by=None, mail=MailSettings(), now=NOW)
    token = report.shown[0].link.rpartition("=")[2]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def use(passphrase: str) -> None:
        barrier.wait()
        try:
            invitations.use_link(engine, token, passphrase, passwords=passwords, now=NOW)
            outcomes.append("set")
        except AccountError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=use, args=(p,)) for p in (PASSPHRASE, PASSPHRASE + " two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["set", LINK_REFUSED])
    assert len(kinds(engine, "passphrase_set_by_link")) == 1


def test_old_links_emails_and_reset_requests_are_purged(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    make_person("eli@example.org")
    mail = mail_sink.settings()
    invitations.invite_people(engine, ["eli@example.org"], by=None, mail=mail, now=NOW)
    invitations.request_reset(engine, "eli@example.org", mail=mail, now=NOW)
    invitations.request_reset(engine, "ghost@example.org", mail=mail, now=NOW)
    outbox.send_outbox(engine, SmtpMailer(mail), mail=mail, now=NOW)
    assert invitations.purge_link_records(engine, now=NOW + timedelta(days=1)) == (0, 2)
    assert invitations.purge_link_records(engine, now=NOW + timedelta(days=31)) == (1, 0)  # the reset
    counts, _ = outbox.mail_status(engine, by=None)
    assert (counts.sent, counts.waiting) == (1, 0)
    assert invitations.purge_link_records(engine, now=NOW + timedelta(days=45)) == (1, 0)  # the invitation
    assert outbox.mail_status(engine, by=None)[0].sent == 0


def test_parallel_reset_requests_cannot_slip_under_the_limit(
    engine: Engine, make_person: MakePerson
) -> None:
    make_person("ada@example.org")
    mail = MailSettings(smtp_host="mail.example.org")
    barrier = threading.Barrier(12)

    def ask(n: int) -> None:
        barrier.wait()
        invitations.request_reset(engine, "ada@example.org", mail=mail, address=f"10.0.0.{n}", now=NOW)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outbox.mail_status(engine, by=None)[0].waiting == ResetPolicy().per_account
    assert len(kinds(engine, "reset_throttled")) == 12 - ResetPolicy().per_account


def test_the_job_runner_sends_queued_invitations_once_across_two_runners(
    engine: Engine, make_person: MakePerson, mail_sink: MailSink
) -> None:
    from course.services import jobs

    make_person("eli@example.org")
    make_person("ana@example.org")
    report = invitations.invite_people(engine, ["eli@example.org", "ana@example.org"], by=None,
                                       mail=mail_sink.settings(), now=NOW)
    assert report.queued == 2
    job = outbox.mail_job(mail_sink.settings(), SmtpMailer(mail_sink.settings()))
    first = jobs.run_due_jobs(engine, [job], holder="runner-a", clock=lambda: NOW)
    second = jobs.run_due_jobs(engine, [job], holder="runner-b", clock=lambda: NOW)
    assert [o.status for o in first] == ["ran"]
    assert "2 sent" in first[0].message
    assert [o.status for o in second] == ["not due"]
    assert len(mail_sink.to("eli@example.org")) == 1
    assert len(mail_sink.to("ana@example.org")) == 1
