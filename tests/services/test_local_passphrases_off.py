"""With local passphrases switched off, invitations, resets and passphrase sign-ins are refused.

The refusals happen in the services themselves, whatever a page shows or hides; only an
administrator's passphrase (set from the command line) still opens a session: the break-glass.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from course.domain.permissions import Actor
from course.services import accounts, invitations
from course.services.accounts import PASSPHRASES_OFF, SIGN_IN_FAILED, AccountError, Passwords
from course.settings import MailSettings, load_settings
from course.store import audit, links
from course.store.engine import read_session

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PASSPHRASE = "a long walk by the grey river"
MakePerson = Callable[..., Actor]
MAIL = MailSettings()


def _events(engine: Engine, kind: str) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind)


def test_the_setting_reads_the_environment() -> None:
    assert load_settings({}).local_passphrases is True
    assert load_settings({"NTS_LOCAL_PASSPHRASES": "0"}).local_passphrases is False


def test_nobody_is_invited(engine: Engine, make_person: MakePerson) -> None:
    make_person("ada@example.org")
    report = invitations.invite_people(engine, ["ada@example.org"], by=None, mail=MAIL,
                                       local_passphrases=False, now=NOW)
    assert (report.invited, report.problems, report.queued) == ((), (PASSPHRASES_OFF,), 0)
    assert _events(engine, "invitation_created") == []


def test_a_reset_is_refused_and_audited(engine: Engine, make_person: MakePerson) -> None:
    make_person("ada@example.org")
    answer = invitations.request_reset(engine, "ada@example.org", mail=MAIL, local_passphrases=False, now=NOW)
    assert answer == PASSPHRASES_OFF
    [event] = _events(engine, "reset_refused")
    assert event.actor == "ada@example.org"
    assert _events(engine, "reset_requested") == []


def test_a_link_issued_before_the_switch_no_longer_works(
    engine: Engine, make_person: MakePerson, passwords: Passwords
) -> None:
    make_person("ada@example.org")
    report = invitations.invite_people(engine, ["ada@example.org"], by=None, mail=MAIL, now=NOW)
    [shown] = report.shown
    token = shown.link.rsplit("=", 1)[-1]
    with pytest.raises(AccountError, match="switched off"):
        invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, local_passphrases=False, now=NOW)
    with read_session(engine) as session:
        assert links.find_recipients(session, ["ada@example.org"])  # person unchanged
    # With passphrases back on, the same link still works: nothing was lost.
    assert invitations.use_link(engine, token, PASSPHRASE, passwords=passwords, now=NOW) == "ada@example.org"


@pytest.mark.parametrize(("capabilities", "kept"), [("learner", False), ("leader; learner", False),
                                                    ("admin", True)])
def test_only_an_admin_passphrase_opens_a_session(
    engine: Engine, make_person: MakePerson, passwords: Passwords, capabilities: str, kept: bool
) -> None:
    make_person("ada@example.org", capabilities=capabilities)
    accounts.set_passphrase(engine, "ada@example.org", PASSPHRASE, passwords=passwords, by=None, now=NOW)
    result = accounts.sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords, now=NOW)
    assert result.token is not None
    checked = accounts.keep_admins_only(engine, result, address="10.0.0.1", now=NOW)
    assert checked.ok is kept
    alive = accounts.resume_session(engine, result.token, now=NOW)
    assert (alive is not None) is kept
    if not kept:
        assert checked.message == SIGN_IN_FAILED
        [refused] = _events(engine, "sign_in_refused")
        assert refused.detail == {"reason": "local passphrases are off"}
