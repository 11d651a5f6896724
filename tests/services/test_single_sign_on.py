"""Single sign-on: which claims open a session, who is added, and what every refusal records."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from course.domain.permissions import Actor, Capability
from course.services import accounts
from course.services.accounts import resume_session
from course.services.single_sign_on import (
    MAX_DEPARTMENT_CHARS,
    MAX_NAME_CHARS,
    NOTICES,
    REFUSALS,
    sign_in_with_claims,
)
from course.settings import SsoSettings
from course.store import audit, people
from course.store.engine import read_session

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ISSUER = "https://login.example.com/tenant"
CLIENT_ID = "need-to-share"
SETTINGS = SsoSettings(metadata_url=f"{ISSUER}/.well-known/openid-configuration", client_id=CLIENT_ID,
                       client_secret="s", redirect_uri="https://course.example.org/oauth2callback",
                       cookie_secret="c" * 32, issuer=ISSUER)
CREATING = SsoSettings(metadata_url=SETTINGS.metadata_url, client_id=CLIENT_ID, client_secret="s",
                       redirect_uri=SETTINGS.redirect_uri, cookie_secret="c" * 32, issuer=ISSUER,
                       create_people=True, department_claim="department", tracks_claim="groups")
TRACKS = ("legal", "comms", "exec")
MakePerson = Callable[..., Actor]


def claims(email: str = "ada@example.org", **extra: object) -> dict[str, object]:
    """Return the claims of a good identity token for this app, with changes."""
    found: dict[str, object] = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "abc-123", "email": email,
                                "email_verified": True, "name": "Ada Lovelace"}
    found.update(extra)
    return found


def _sign_in(engine: Engine, given: dict[str, object], settings: SsoSettings = SETTINGS):
    return sign_in_with_claims(engine, given, settings=settings, known_tracks=TRACKS,
                               address="10.0.0.7", now=NOW)


def _events(engine: Engine, kind: str) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind)


def test_a_verified_roster_person_gets_our_session(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person("ada@example.org")
    result = _sign_in(engine, claims())
    assert result.refusal == "" and result.sign_in is not None and result.sign_in.token
    actor = resume_session(engine, result.sign_in.token, now=NOW)
    assert actor is not None and actor.person_id == ada.person_id
    [event] = _events(engine, "sign_in_sso")
    assert (event.actor, event.address) == ("ada@example.org", "10.0.0.7")


@pytest.mark.parametrize("spelling", [
    "ADA@Example.ORG",
    " ada@example.org ",
    unicodedata.normalize("NFKC", "ａｄａ@example.org"),  # full-width letters, folded
    "ａｄａ@ｅｘａｍｐｌｅ.org",  # full-width as sent: NFKC makes it the same address
])
def test_an_email_differing_only_in_case_or_unicode_form_matches(
    engine: Engine, make_person: MakePerson, spelling: str
) -> None:
    ada = make_person("ada@example.org")
    result = _sign_in(engine, claims(spelling))
    assert result.sign_in is not None and result.sign_in.actor is not None
    assert result.sign_in.actor.person_id == ada.person_id


@pytest.mark.parametrize(("change", "reason"), [
    ({"email_verified": False}, "unverified"),
    ({"email_verified": None}, "unverified"),
    ({"email_verified": "false"}, "unverified"),
    ({"email_verified": 1}, "unverified"),  # only true (or "true") counts
    ({"iss": "https://evil.example.com/tenant"}, "token"),
    ({"iss": None}, "token"),
    ({"aud": "another-app"}, "token"),
    ({"aud": ["another-app", "third"]}, "token"),
    ({"aud": None}, "token"),
    ({"email": None}, "no_email"),
    ({"email": "not an address"}, "no_email"),
    ({"email": ["ada@example.org"]}, "no_email"),
])
def test_bad_claims_are_refused_audited_and_open_no_session(
    engine: Engine, make_person: MakePerson, change: dict[str, object], reason: str
) -> None:
    make_person("ada@example.org")
    result = _sign_in(engine, claims(**change))
    assert result.sign_in is None and result.refusal == reason
    assert result.message == REFUSALS[reason]
    [event] = _events(engine, "sign_in_sso_refused")
    assert event.detail == {"reason": reason} and event.address == "10.0.0.7"
    assert _events(engine, "sign_in_sso") == []


def test_an_audience_list_naming_this_app_is_accepted(engine: Engine, make_person: MakePerson) -> None:
    make_person("ada@example.org")
    assert _sign_in(engine, claims(aud=["other", CLIENT_ID])).sign_in is not None


def test_an_unknown_person_is_refused_when_creation_is_off(engine: Engine) -> None:
    result = _sign_in(engine, claims("nobody@example.org"))
    assert result.refusal == "unknown"
    with read_session(engine) as session:
        assert people.find_person(session, "nobody@example.org") is None
    [event] = _events(engine, "sign_in_sso_refused")
    assert (event.actor, event.detail) == ("nobody@example.org", {"reason": "unknown"})


def test_a_disabled_person_is_refused_even_with_a_good_token(engine: Engine, make_person: MakePerson) -> None:
    make_person("ada@example.org")
    accounts.set_active(engine, "ada@example.org", active=False, by=None, now=NOW)
    for settings in (SETTINGS, CREATING):  # creation on does not bring them back either
        result = _sign_in(engine, claims(), settings)
        assert result.refusal == "disabled" and result.sign_in is None
    assert [e.detail for e in _events(engine, "sign_in_sso_refused")] == [{"reason": "disabled"}] * 2


def test_a_newcomer_is_added_as_a_learner_with_department_and_known_tracks(engine: Engine) -> None:
    result = _sign_in(engine, claims("new@example.org", department="Legal", groups=["LEGAL", "comms", "vip"]),
                      CREATING)
    assert result.sign_in is not None and result.notice == "tracks" and "tracks" in NOTICES
    with read_session(engine) as session:
        person = people.find_person(session, "new@example.org")
    assert person is not None
    assert (person.name, person.department) == ("Ada Lovelace", "Legal")
    assert sorted(person.tracks) == ["comms", "legal"]
    assert person.grants.capabilities == frozenset({Capability.LEARNER})
    assert not person.has_passphrase
    [created] = _events(engine, "account_created")
    assert created.actor == "single sign-on" and created.detail["tracks_ignored"] == ["vip"]
    # The second sign-in finds them: no second account, no notice.
    again = _sign_in(engine, claims("NEW@example.org", groups=["vip"]), CREATING)
    assert again.sign_in is not None and again.notice == ""
    assert len(_events(engine, "account_created")) == 1


def test_tracks_may_come_as_text(engine: Engine) -> None:
    _sign_in(engine, claims("new@example.org", groups="exec; comms"), CREATING)
    with read_session(engine) as session:
        person = people.find_person(session, "new@example.org")
    assert person is not None and sorted(person.tracks) == ["comms", "exec"]


def test_hostile_claims_are_bounded_and_stored_as_plain_text(engine: Engine) -> None:
    hostile = claims("mallory@example.org",
                     name="<script>alert(1)</script> **[click](javascript:alert(1))**\n# Heading\x00"
                     + "é" * 10_000,
                     department="x" * 1_000_000,
                     groups=["legal"] * 10_000 + ["<b>legal</b>"])
    result = _sign_in(engine, hostile, CREATING)
    assert result.sign_in is not None
    with read_session(engine) as session:
        person = people.find_person(session, "mallory@example.org")
    assert person is not None
    assert len(person.name) <= MAX_NAME_CHARS and len(person.department) == MAX_DEPARTMENT_CHARS
    assert "\n" not in person.name and "\x00" not in person.name
    assert person.name.startswith("<script>alert(1)</script> **[click]")  # kept as text; escaped on display
    assert person.tracks == ("legal",)


def test_a_giant_email_claim_is_refused_before_normalising(engine: Engine) -> None:
    result = _sign_in(engine, claims("ａ" * 3_000_000 + "@example.org"), CREATING)
    assert result.refusal == "no_email"
    [event] = _events(engine, "sign_in_sso_refused")
    assert len(event.actor) <= 254


def test_an_unverified_newcomer_is_not_created(engine: Engine) -> None:
    result = _sign_in(engine, claims("new@example.org", email_verified=False), CREATING)
    assert result.refusal == "unverified"
    with read_session(engine) as session:
        assert people.find_person(session, "new@example.org") is None


def test_a_vouched_session_is_refused_for_a_person_disabled_meanwhile(
    engine: Engine, make_person: MakePerson
) -> None:
    ada = make_person("ada@example.org")
    accounts.set_active(engine, "ada@example.org", active=False, by=None, now=NOW)
    result = accounts.sign_in_vouched(engine, ada.person_id, method="sso", now=NOW)
    assert not result.ok and _events(engine, "sign_in_sso") == []
