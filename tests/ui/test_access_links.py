"""Links on the sign-in page, "forgot passphrase", and inviting from the People page (AppTest)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from course.domain.permissions import Capability, Grants, Page
from course.services.accounts import Passwords, add_account
from course.services.database import Engine
from course.services.invitations import LINK_REFUSED, RESET_ANSWERED, invite_people
from course.settings import MailSettings, load_settings
from course.store import audit
from course.store.engine import read_session
from course.ui.links import PAGES
from tests.mail_sink import MailSink, mail_sink, smtp_server, token_in
from tests.ui.conftest import APP, AppFactory
from tests.ui.test_sign_in import _sign_in

__all__ = ["mail_sink", "smtp_server"]

EMAIL = "eli.park@example.org"
PASSPHRASE = "a long walk by the grey river"


def _add(engine: Engine) -> None:
    add_account(engine, EMAIL, name="Eli Park", grants=Grants(frozenset({Capability.LEARNER})), by=None)


def _follow(kind: str, token: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params[kind] = token
    at.run()
    assert not at.exception, at.exception
    return at


def _everything_shown(at: AppTest) -> str:
    parts = [str(getattr(e, "value", "")) for e in at.main]
    parts += [str(e.value) for kind in ("markdown", "text", "error", "success", "info", "caption")
              for e in getattr(at, kind)]
    return "\n".join(parts)


def test_an_invitation_link_sets_the_passphrase_then_sign_in_works(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    app(demo=False)
    engine = database()
    _add(engine)
    [shown] = invite_people(engine, [EMAIL], by=None, mail=MailSettings()).shown
    token = shown.link.rpartition("=")[2]
    at = _follow("invite", token)
    assert [h.value for h in at.header] == ["Choose your passphrase"]
    assert f"For the account {EMAIL}" in [t.value for t in at.text]
    assert token not in _everything_shown(at)
    assert dict(at.query_params) == {}  # the token left the address bar
    first, again = [i for i in at.text_input if "passphrase" in i.label.lower()]
    first.input(PASSPHRASE)
    again.input("something else entirely")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["The two passphrases differ."]
    first, again = [i for i in at.text_input if "passphrase" in i.label.lower()]
    first.input(PASSPHRASE)
    again.input(PASSPHRASE)
    [submit] = [b for b in at.button if b.label == "Set passphrase"]
    submit.click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [
        f"Your passphrase is set. Sign in with {EMAIL} and your new passphrase."]
    _sign_in(at, EMAIL, PASSPHRASE)
    assert "nts_token" in at.session_state
    with read_session(engine) as session:
        assert [e.subject for e in audit.list_events(session, kind="passphrase_set_by_link")] == [EMAIL]


@pytest.mark.parametrize("token", ["A" * 43, "x" * 200_000, "<script>alert(1)</script>", "", "[a](b)"])
@pytest.mark.parametrize("kind", ["invite", "reset"])
def test_a_bad_link_gets_one_plain_message(app: AppFactory, kind: str, token: str) -> None:
    app(demo=False)
    at = _follow(kind, token)
    assert [e.value for e in at.error] == [LINK_REFUSED]
    assert not [i for i in at.text_input if "passphrase" in i.label.lower() and "New" in i.label]
    if token:
        assert token not in _everything_shown(at)
    [back] = [b for b in at.button if b.label == "Back to sign in"]
    back.click().run()
    assert not at.error
    assert [b.label for b in at.button if b.label == "Sign in"] == ["Sign in"]


def test_forgot_passphrase_answers_the_same_and_emails_only_a_known_address(
    app: AppFactory, database: Callable[[], Engine], mail_sink: MailSink, monkeypatch: pytest.MonkeyPatch,
    passwords: Passwords,
) -> None:
    for name, value in {"NTS_SMTP_HOST": "127.0.0.1", "NTS_SMTP_PORT": str(mail_sink.port),
                        "NTS_SMTP_TLS": "none", "NTS_PUBLIC_URL": "http://app.example"}.items():
        monkeypatch.setenv(name, value)
    at = app(demo=False)
    engine = database()
    _add(engine)
    answers = []
    for email in ("nobody@example.org", EMAIL):
        [field] = [i for i in at.text_input if i.label == "Your email"]
        field.input(email)
        [ask] = [b for b in at.button if b.label == "Email me a link"]
        ask.click().run()
        assert not at.exception, at.exception
        answers.append([i.value for i in at.info])
    assert answers == [[RESET_ANSWERED], [RESET_ANSWERED]]
    [message] = mail_sink.wait_for(EMAIL)
    assert mail_sink.to("nobody@example.org") == []
    token = token_in(message)
    assert token not in _everything_shown(at)
    reset = _follow("reset", token)
    assert [h.value for h in reset.header] == ["Choose a new passphrase"]


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(memory_kib=1024, time_cost=1)


def test_the_admin_invites_from_the_people_page_and_sees_the_links_without_smtp(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = app(as_demo="admin")
    at.switch_page(PAGES[Page.ADMIN_PEOPLE][0]).run()
    engine = database()
    _add(engine)
    at.run()
    at.text_area(key="invite-emails").input("ghost@example.org, " + EMAIL)
    at.button(key="invite-submit").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Nobody was invited: 1 problem(s). Fix them and send again."]
    at.text_area(key="invite-emails").input(EMAIL.upper())
    at.button(key="invite-submit").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Invited 1 person."]
    links = [row for frame in at.dataframe for row in frame.value.to_dict("records") if "Link" in row]
    assert [row["Email"] for row in links] == [EMAIL]
    assert str(links[0]["Link"]).startswith(f"{load_settings().mail.public_url}/?invite=")


def test_a_roster_import_invites_the_people_it_adds_over_smtp(
    app: AppFactory, database: Callable[[], Engine], mail_sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"NTS_SMTP_HOST": "127.0.0.1", "NTS_SMTP_PORT": str(mail_sink.port),
                        "NTS_SMTP_TLS": "none"}.items():
        monkeypatch.setenv(name, value)
    at = app(as_demo="admin")
    at.switch_page(PAGES[Page.ADMIN_ROSTER][0]).run()
    text = "email,name,department\nnoor@example.org,Noor Haddad,Legal\n"
    at.text_area(key="roster-text").input(text).run()
    at.button(key="roster-preview").click().run()
    at.checkbox(key="roster-invite").check().run()
    at.button(key="roster-apply").click().run()
    assert not at.exception, at.exception
    [success] = [s.value for s in at.success]
    assert success.startswith("Roster applied: 1 added") and "1 invitations queued" in success
    [message] = mail_sink.wait_for("noor@example.org")
    assert "Hello Noor Haddad," in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert [m["To"] for m in mail_sink.messages] == ["noor@example.org"]
