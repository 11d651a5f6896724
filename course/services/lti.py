"""LTI 1.3 launches: the tool's key, nonces, and admitting a launched person to their item.

The routes (course/web/lti.py) check a launch's signature, audience, expiry and nonce with the
adapter (course/integrations/lti.py); this module keeps what those checks need in the database
and decides what a verified launch is worth: the platform's user is matched to an account (by
issuer and `sub`, stored on the first launch) or gets a new one, the line item of a graded item
is remembered, and a session of the same kind as every other sign-in is opened. Every refusal
is audited as `lti_launch_refused` with its reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key

from course.domain.accounts import AccountRuleError, normalise_email
from course.domain.lti import (
    GRADED_KINDS,
    NONCE_WINDOW,
    REFUSALS,
    LaunchFacts,
    LoginLimited,
    LoginLimits,
    LoginRefusal,
    ToolKey,
)
from course.domain.permissions import Capability, Grants
from course.domain.throttling import NO_FAILURES
from course.services import metrics, session_cookies
from course.services.accounts import sign_in_vouched
from course.settings import LtiPlatform, LtiSettings
from course.store import audit, people
from course.store import lti as store
from course.store.engine import Engine, Session, read_session, write_transaction

LOGIN_LIMITS = LoginLimits()
#: Refusals of logins over the limits are audited at most this often (per address, or in all),
#: and so are refusals anyone can cause, by reason and address (see record_refusal).
LIMIT_AUDIT_GAP = timedelta(minutes=1)
#: Actor label of accounts a launch creates.
LTI_LAUNCH = "LTI launch"
_KEY_BITS = 2048
_SYNTHETIC_DOMAIN = "lti.invalid"


# --- the tool key -----------------------------------------------------------------------------

def _pem(key: RSAPrivateKey) -> tuple[str, str]:
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return private, public


def _kid(public_pem: str) -> str:
    return hashlib.sha256(public_pem.encode("ascii")).hexdigest()[:32]


def _tool_key(private_pem: str) -> ToolKey:
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the LTI tool key must be an RSA key")
    private, public = _pem(key)
    return ToolKey(kid=_kid(public), private_pem=private, public_pem=public)


def tool_keys(engine: Engine, settings: LtiSettings, *, now: datetime | None = None) -> list[ToolKey]:
    """Return the tool's keys, the signing one first: the PEM file's, or the database's (made once)."""
    if settings.key_file is not None:
        return [_tool_key(settings.key_file.read_text(encoding="ascii"))]
    with read_session(engine) as session:
        stored = store.list_tool_keys(session)
    if not stored:
        private, public = _pem(generate_private_key(public_exponent=65537, key_size=_KEY_BITS))
        with write_transaction(engine) as session:
            store.add_tool_key(session, _kid(public), private, now=now or datetime.now(UTC))
            stored = store.list_tool_keys(session)
    return [_tool_key(pem) for _kid_stored, pem in stored]


# --- nonces -----------------------------------------------------------------------------------

class DatabaseNonces:
    """Nonces sent in logins, kept in the database so that any process can check a launch.

    Saving one is an unauthenticated write, so it is bounded (see LoginLimits): expired nonces
    are purged, and a login over the limits raises LoginLimited instead of writing a nonce. Its
    refusal is audited at most once a minute per address (or once in all for the overall cap),
    and counted in metrics every time (reason `busy`), so a flood cannot fill the audit log either.
    """

    def __init__(self, engine: Engine, *, address: str = "", limits: LoginLimits = LOGIN_LIMITS,
                 now: datetime | None = None) -> None:
        self._engine = engine
        self._address = address[:64]
        self._limits = limits
        self._now = now

    def _when(self) -> datetime:
        return self._now or datetime.now(UTC)

    def save(self, nonce: str) -> None:
        """Remember a nonce sent in a login, or raise LoginLimited (and forget expired ones)."""
        when = self._when()
        with write_transaction(self._engine, durable=False) as session:
            store.serialise_logins(session)
            store.purge_nonces(session, issued_before=when - NONCE_WINDOW)
            unused = store.count_unused_nonces(session, address=self._address, since=when - NONCE_WINDOW)
            # An unknown address is nobody's bucket: only the overall cap applies to it.
            by_address = unused.by_address if self._address else NO_FAILURES
            refusal = self._limits.refusal(by_address=by_address, everywhere=unused.everywhere, now=when)
            if refusal is None:
                store.add_nonce(session, nonce, address=self._address, now=when)
            else:
                self._audit_refusal(session, refusal, when=when)
        if refusal is not None:
            metrics.LTI_REFUSALS.labels(reason="busy").inc()
            raise LoginLimited(refusal)

    def _audit_refusal(self, session: Session, refusal: LoginRefusal, *, when: datetime) -> None:
        target = f"login limit: {refusal.scope}"
        address = self._address if refusal.scope == "address" else None
        if audit.has_event_since(session, "lti_launch_refused", target=target, address=address,
                                 since=when - LIMIT_AUDIT_GAP):
            return
        detail = str(LoginLimited(refusal)) + "; further refusals this minute are only counted"
        audit.record_event(session, "lti_launch_refused", now=when, actor_label="unknown platform",
                           address=self._address, target=target, detail={"reason": "busy", "detail": detail})

    def use(self, nonce: str) -> bool:
        """Mark a nonce used; tell whether it was ours, unused and sent in the last minutes."""
        when = self._when()
        with write_transaction(self._engine, durable=False) as session:
            return store.use_nonce(session, nonce, now=when, issued_after=when - NONCE_WINDOW)


# --- refusals and deep links ------------------------------------------------------------------

def record_refusal(engine: Engine, reason: str, *, detail: str = "", issuer: str = "",
                   address: str = "", once_per: timedelta | None = None, now: datetime | None = None) -> None:
    """Audit a refused login or launch with its reason and the library's word; count it.

    With `once_per`, a refusal for the same reason from the same address within that time of
    the last audited one is only counted: what anyone can send must not grow the audit log by
    a row per request.
    """
    when = now or datetime.now(UTC)
    metrics.LTI_REFUSALS.labels(reason=reason if reason in REFUSALS else "other").inc()
    target = f"refusal: {reason}"[:200]
    with write_transaction(engine) as session:
        if once_per is not None and audit.has_event_since(session, "lti_launch_refused", target=target,
                                                          address=address, since=when - once_per):
            return
        audit.record_event(session, "lti_launch_refused", now=when,
                           actor_label=(issuer or "unknown platform")[:254], address=address,
                           target=target, detail={"reason": reason, "detail": detail[:300]})


def record_deep_link(engine: Engine, *, issuer: str, items: list[str], address: str = "",
                     now: datetime | None = None) -> None:
    """Audit a deep-linking answer: which items a teacher linked into which platform."""
    with write_transaction(engine) as session:
        audit.record_event(session, "lti_deep_link", now=now or datetime.now(UTC),
                           actor_label=issuer[:254], address=address, target=", ".join(items)[:500],
                           detail={"items": items[:50]})


# --- admitting a launched person --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Admission:
    """A launched person signed in: the ticket for the cookie route, or the reason of a refusal."""

    ticket: str = ""
    refusal: str = ""


def _synthetic_email(facts: LaunchFacts) -> str:
    digest = hashlib.sha256(f"{facts.issuer}\n{facts.subject}".encode()).hexdigest()[:24]
    return f"lti-{digest}@{_SYNTHETIC_DOMAIN}"


def _usable_email(raw: str) -> str | None:
    try:
        return normalise_email(raw) if raw else None
    except AccountRuleError:
        return None


def _find_or_add(session: Session, facts: LaunchFacts, platform: LtiPlatform, *, when: datetime) -> int:
    linked = store.find_linked_person(session, facts.issuer, facts.subject)
    if linked is not None:
        return linked
    email = _usable_email(facts.email)
    existing = people.find_person_id(session, email) if email else None
    if existing is not None and platform.match_email:
        return store.link_person(session, facts.issuer, facts.subject, existing, now=when)
    if email is None or existing is not None:
        email = _synthetic_email(facts)
    person_id = people.find_person_id(session, email)
    if person_id is None:
        person_id = people.add_person(session, email, name=facts.name or "LMS learner",
                                      department=facts.department, tracks=facts.tracks,
                                      grants=Grants(capabilities=frozenset({Capability.LEARNER})), now=when)
        audit.record_event(session, "account_created", now=when, actor_label=LTI_LAUNCH,
                           subject_id=person_id, subject_label=email,
                           detail={"capabilities": "learner", "platform": facts.issuer[:200]})
    return store.link_person(session, facts.issuer, facts.subject, person_id, now=when)


def _same_host(url: str, platform: LtiPlatform) -> bool:
    """Tell whether a service URL of a launch is on the platform's own host (where its token is valid)."""
    parts, token = urlsplit(url), urlsplit(platform.auth_token_url)
    return parts.scheme in ("https", "http") and parts.netloc == token.netloc


def _remember_line_item(session: Session, facts: LaunchFacts, platform: LtiPlatform, person_id: int, *,
                        when: datetime) -> None:
    # Scores carry a bearer token: they go only to the platform's own host, never to an address
    # a launch could point elsewhere.
    if facts.item is None or facts.item.kind not in GRADED_KINDS or not facts.can_score:
        return
    if not _same_host(facts.line_item_url, platform):
        return
    line_item_id = store.keep_line_item(session, issuer=facts.issuer, client_id=facts.client_id,
                                        url=facts.line_item_url, item_kind=facts.item.kind,
                                        item_id=facts.item.item_id, now=when)
    if line_item_id is not None:  # None: the column belongs to another platform or item
        store.add_member(session, line_item_id, person_id, subject=facts.subject, now=when)


def admit(engine: Engine, facts: LaunchFacts, platform: LtiPlatform, *, address: str = "",
          now: datetime | None = None) -> Admission:
    """Match or add the launched person, remember the line item, open a session and a ticket."""
    when = now or datetime.now(UTC)
    if not facts.subject:
        record_refusal(engine, "person", detail="no sub claim", issuer=facts.issuer, address=address,
                       now=when)
        return Admission(refusal="person")
    if facts.item is None:
        record_refusal(engine, "item", detail="no custom item or target link", issuer=facts.issuer,
                       address=address, now=when)
        return Admission(refusal="item")
    with write_transaction(engine) as session:
        person_id = _find_or_add(session, facts, platform, when=when)
        _remember_line_item(session, facts, platform, person_id, when=when)
    signed = sign_in_vouched(engine, person_id, method="lti", address=address, now=when)
    if signed.token is None:
        record_refusal(engine, "person", detail="account disabled", issuer=facts.issuer,
                       address=address, now=when)
        return Admission(refusal="person")
    ticket = session_cookies.issue_ticket(engine, signed.token, person_id=person_id,
                                          return_path=facts.item.page_path(), now=when)
    return Admission(ticket=ticket)

