"""Signed unsubscribe links for optional emails, and recording the opt-out they ask for.

The token names the person and the kind of message, signed with HMAC-SHA256 under a key the
organisation keeps in its database (drawn on first use), so every host checks the same links
and nobody can stop another person's reminders by changing a number in the address. Only
optional kinds (course/domain/messages.py OPTIONAL_KINDS) can be stopped this way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from course.domain.messages import OPTIONAL_KINDS, MessageKind
from course.store import audit, org_settings
from course.store import reminders as store
from course.store.engine import Engine, Session, read_session, write_transaction

#: Where an unsubscribe link points (a route beside the app, course/web/mail_links.py).
UNSUBSCRIBE_PATH = "/mail/unsubscribe"
#: The organisation setting holding the signing key (hex); never shown on any page.
KEY_SETTING = "mail_link_key"
_SIGNATURE_CHARS = 32


def _stored_key(session: Session) -> bytes | None:
    value = org_settings.get_settings(session).get(KEY_SETTING)
    return bytes.fromhex(value) if isinstance(value, str) and len(value) == 64 else None


def signing_key(session: Session, *, now: datetime) -> bytes:
    """Return the organisation's link key, drawing and storing one first if there is none.

    Call it in a write transaction: two processes drawing at once then store one key, not two.
    """
    key = _stored_key(session)
    if key is None:
        key = secrets.token_bytes(32)
        org_settings.put_setting(session, KEY_SETTING, key.hex(), now=now, by=None)
    return key


def _signature(key: bytes, person_id: int, kind: MessageKind) -> str:
    digest = hmac.new(key, f"unsubscribe:{kind.value}:{person_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:_SIGNATURE_CHARS]


def make_token(key: bytes, person_id: int, kind: MessageKind) -> str:
    """Return the token of a person's unsubscribe link for one kind of message."""
    if kind not in OPTIONAL_KINDS:
        raise ValueError(f"{kind} messages cannot be stopped")
    return f"{kind.value}.{person_id}.{_signature(key, person_id, kind)}"


def unsubscribe_url(public_url: str, token: str) -> str:
    """Return the address of the unsubscribe page for this token."""
    return f"{public_url.rstrip('/')}{UNSUBSCRIBE_PATH}?t={token}"


@dataclass(frozen=True, slots=True)
class Holder:
    """Whom a valid token belongs to, and what it stops."""

    person_id: int
    kind: MessageKind


def _check(key: bytes | None, token: str) -> Holder | None:
    parts = token.strip()[:200].split(".")
    if key is None or len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    kind = next((k for k in OPTIONAL_KINDS if k.value == parts[0]), None)
    if kind is None:
        return None
    person_id = int(parts[1])
    if not hmac.compare_digest(parts[2], _signature(key, person_id, kind)):
        return None
    return Holder(person_id, kind)


@dataclass(frozen=True, slots=True)
class LinkState:
    """What an unsubscribe link finds: whose it is (None when forged or stale) and whether done."""

    holder: Holder | None
    email: str = ""
    already: bool = False


def check_link(engine: Engine, token: str) -> LinkState:
    """Return whom the token belongs to and whether they already opted out (changes nothing)."""
    with read_session(engine) as session:
        holder = _check(_stored_key(session), token)
        person = None if holder is None else store.find_person(session, holder.person_id)
        if holder is None or person is None:
            return LinkState(None)
        return LinkState(holder, person.email, store.has_opted_out(session, holder.person_id,
                                                                   holder.kind.value))


def opt_out(engine: Engine, token: str, *, address: str = "", now: datetime | None = None) -> LinkState:
    """Record the opt-out the token asks for (audited once); a forged token changes nothing."""
    when = now or datetime.now(UTC)
    with write_transaction(engine) as session:
        holder = _check(_stored_key(session), token)
        person = None if holder is None else store.find_person(session, holder.person_id)
        if holder is None or person is None:
            return LinkState(None)
        added = store.add_opt_out(session, holder.person_id, holder.kind.value, now=when)
        if added:
            audit.record_event(session, "mail_opt_out", now=when, actor_id=holder.person_id,
                               actor_label=person.email, subject_id=holder.person_id,
                               subject_label=person.email, target=holder.kind.value,
                               address=address[:64], detail={"kind": holder.kind.value})
        return LinkState(holder, person.email, already=not added)
