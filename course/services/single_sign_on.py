"""Single sign-on: match the claims an OpenID Connect provider vouches for to a roster entry.

Streamlit's `st.login` runs the authorization code flow (state, nonce and PKCE included) and
hands the page the identity token's claims. This module decides what those claims are worth:
the token must come from the configured issuer for this app, the email must be verified, and
the person must be on the roster and active (or, when the organisation allows it, be added on
first sign-in). Every refusal is audited as `sign_in_sso_refused` with its reason; a success
opens one of our own sessions, audited as `sign_in_sso`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from course.domain.accounts import MAX_EMAIL_CHARS, AccountRuleError, normalise_email, parse_list
from course.domain.permissions import Capability, Grants
from course.services.accounts import SignIn, sign_in_vouched
from course.settings import SsoSettings
from course.store import audit, people
from course.store.engine import Engine, read_session, write_transaction

#: The route that drops Streamlit's sign-in cookie and shows the sign-in page with the reason.
SSO_REFUSED_PATH = "/auth/sso-refused"
#: The query parameter naming the reason of a refusal on the sign-in page.
SSO_REFUSED_PARAM = "sso_refused"
#: The query parameter naming a notice for a person who just signed in.
SSO_NOTICE_PARAM = "sso_notice"
#: Streamlit's own sign-in cookies (large values are split into `NAME_1`, `NAME_2`, ...).
STREAMLIT_AUTH_COOKIES = ("_streamlit_user", "_streamlit_user_tokens")

#: Actor label of accounts the sign-in itself creates.
SINGLE_SIGN_ON = "single sign-on"
MAX_NAME_CHARS = 200
MAX_DEPARTMENT_CHARS = 100
MAX_TRACKS = 20
_MAX_TRACK_CHARS = 64
_MAX_LABEL_CHARS = 254

#: What a refused person is told, by reason; none reveals whether an email is on the roster
#: beyond what the person already knows about themselves.
REFUSALS: dict[str, str] = {
    "token": "Your organisation's sign-in could not be checked (it was not issued for this "
    "app). Please try again, or ask your administrator.",
    "no_email": "Your organisation's sign-in did not give an email address, so you cannot be "
    "matched to a course account. Ask your administrator.",
    "unverified": "Your organisation has not verified your email address, so it cannot be used "
    "to sign in here. Ask your administrator.",
    "unknown": "You are signed in at your organisation, but you have no account in this course. "
    "Ask your administrator to add you.",
    "disabled": "Your account in this course is disabled. Ask your administrator.",
}


#: What a person who just signed in should know, by key.
NOTICES: dict[str, str] = {
    "tracks": "Your organisation listed tracks this course does not have; you were enrolled "
    "without them. Your administrator can set your tracks.",
}


@dataclass(frozen=True, slots=True)
class SsoResult:
    """The outcome of a single sign-on: our session, or the reason and message of a refusal."""

    sign_in: SignIn | None
    refusal: str = ""
    #: Something the person should know though they are signed in: a key of NOTICES, or "".
    notice: str = ""

    @property
    def message(self) -> str:
        """Return the plain message for a refusal ("" after a success)."""
        return REFUSALS.get(self.refusal, "")


@dataclass(frozen=True, slots=True)
class NewcomerProfile:
    """What the claims say about a person added on first sign-in."""

    name: str
    department: str
    tracks: tuple[str, ...]
    ignored_tracks: tuple[str, ...]


def _plain(value: object, *, limit: int) -> str:
    """Return a claim as one line of plain text: no control characters, at most `limit` long."""
    if not isinstance(value, str):
        return ""
    cut = value[: limit * 4]  # bound the work before normalising
    text = unicodedata.normalize("NFC", cut)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text)
    return " ".join(text.split())[:limit]


def _audience_ok(audience: object, client_id: str) -> bool:
    if isinstance(audience, str):
        return audience == client_id
    if isinstance(audience, list):
        return client_id in audience
    return False


def check_token_claims(claims: Mapping[str, object], settings: SsoSettings) -> bool:
    """Tell whether the claims name the configured issuer and this app as their audience."""
    issuer = claims.get("iss")
    return (isinstance(issuer, str) and issuer.rstrip("/") == settings.issuer.rstrip("/")
            and _audience_ok(claims.get("aud"), settings.client_id))


def email_of(claims: Mapping[str, object]) -> str | None:
    """Return the normalised email of the claims, or None if there is none or it is unusable.

    The raw length is checked before any normalisation, so a giant claim costs nothing.
    """
    raw = claims.get("email")
    if not isinstance(raw, str) or len(raw) > MAX_EMAIL_CHARS:
        return None
    try:
        return normalise_email(raw)
    except AccountRuleError:
        return None


def is_verified(claims: Mapping[str, object]) -> bool:
    """Tell whether the provider says the email is verified (true, or the text "true")."""
    verified = claims.get("email_verified")
    return verified is True or (isinstance(verified, str) and verified.strip().lower() == "true")


def _track_values(raw: object) -> list[str]:
    if isinstance(raw, str):
        return list(parse_list(raw[: MAX_TRACKS * _MAX_TRACK_CHARS]))
    if isinstance(raw, list):
        return [item for item in raw[:MAX_TRACKS] if isinstance(item, str)]
    return []


def read_newcomer(
    claims: Mapping[str, object], settings: SsoSettings, *, email: str, known_tracks: Iterable[str]
) -> NewcomerProfile:
    """Return the name, department and tracks the claims give a person added at sign-in.

    Tracks the course does not have are left out (and reported), never stored.
    """
    name = _plain(claims.get("name"), limit=MAX_NAME_CHARS) or email.split("@")[0]
    department = ""
    if settings.department_claim:
        department = _plain(claims.get(settings.department_claim), limit=MAX_DEPARTMENT_CHARS)
    known = set(known_tracks)
    tracks: list[str] = []
    ignored: list[str] = []
    if settings.tracks_claim:
        for value in _track_values(claims.get(settings.tracks_claim)):
            track = _plain(value, limit=_MAX_TRACK_CHARS).casefold()
            if not track:
                continue
            (tracks if track in known else ignored).append(track)
    return NewcomerProfile(name, department, tuple(dict.fromkeys(tracks)), tuple(dict.fromkeys(ignored)))


def _refuse(engine: Engine, reason: str, *, label: str, address: str, when: datetime) -> SsoResult:
    with write_transaction(engine) as session:
        audit.record_event(session, "sign_in_sso_refused", now=when, actor_label=label[:_MAX_LABEL_CHARS],
                           address=address, detail={"reason": reason})
    return SsoResult(None, refusal=reason)


def _add_newcomer(engine: Engine, email: str, profile: NewcomerProfile, *, when: datetime) -> int:
    grants = Grants(capabilities=frozenset({Capability.LEARNER}))
    with write_transaction(engine) as session:
        existing = people.find_person_id(session, email)
        if existing is not None:  # added by a parallel sign-in a moment ago
            return existing
        person_id = people.add_person(session, email, name=profile.name, department=profile.department,
                                      tracks=profile.tracks, grants=grants, now=when)
        audit.record_event(session, "account_created", now=when, actor_label=SINGLE_SIGN_ON,
                           subject_id=person_id, subject_label=email,
                           detail={"capabilities": "learner", "tracks_ignored": list(profile.ignored_tracks)})
    return person_id


def sign_in_with_claims(
    engine: Engine,
    claims: Mapping[str, object],
    *,
    settings: SsoSettings,
    known_tracks: Iterable[str] = (),
    address: str = "",
    now: datetime | None = None,
) -> SsoResult:
    """Open our session for the person the provider's claims name, or refuse with a reason."""
    when = now or datetime.now(UTC)
    email = email_of(claims)
    label = email or _plain(claims.get("email"), limit=_MAX_LABEL_CHARS) or _plain(claims.get("sub"),
                                                                                   limit=100)
    if not check_token_claims(claims, settings):
        return _refuse(engine, "token", label=label, address=address, when=when)
    if email is None:
        return _refuse(engine, "no_email", label=label, address=address, when=when)
    if not is_verified(claims):
        return _refuse(engine, "unverified", label=email, address=address, when=when)
    with read_session(engine) as session:
        person = people.find_person(session, email)
    notice = ""
    if person is None:
        if not settings.create_people:
            return _refuse(engine, "unknown", label=email, address=address, when=when)
        profile = read_newcomer(claims, settings, email=email, known_tracks=known_tracks)
        person_id = _add_newcomer(engine, email, profile, when=when)
        if profile.ignored_tracks:
            notice = "tracks"
    elif not person.active:
        return _refuse(engine, "disabled", label=email, address=address, when=when)
    else:
        person_id = person.id
    result = sign_in_vouched(engine, person_id, method="sso", address=address, now=when)
    if not result.ok:  # disabled between the look-up and the session
        return _refuse(engine, "disabled", label=email, address=address, when=when)
    return SsoResult(result, notice=notice)
