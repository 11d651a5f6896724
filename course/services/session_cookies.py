"""Sessions carried by a server-set cookie: one-time tickets, their exchange, safe return paths.

After a sign-in the page holds a fresh session token in its Streamlit session. It cannot set an
HttpOnly cookie itself, so it issues a ticket: a random value, stored only as its hash, valid
once and for `TICKET_SECONDS`. The browser takes the ticket to the cookie route, which redeems
it: the session moves to a new token that only the cookie ever holds (the token the page saw
stops working), and the browser is sent back to the page it asked for.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeGuard
from urllib.parse import urlsplit

from course.services.accounts import hash_token
from course.store import sessions, tickets
from course.store.engine import Engine, write_transaction

#: The cookie holding the session token (HttpOnly, path /; SameSite=Lax, or None and Partitioned
#: when the app is embedded in an LMS iframe: course/web/sessions.py).
SESSION_COOKIE = "nts_session"
#: The cookie marking a browser that signed in successfully before (kept about a year).
DEVICE_COOKIE = "nts_device"
DEVICE_COOKIE_DAYS = 365
#: How long a ticket may wait for the browser to bring it back.
TICKET_SECONDS = 60
#: Where the cookie route lives, and the one that signs out.
HAND_OVER_PATH = "/auth/session"
SIGN_OUT_PATH = "/auth/sign-out"
#: Where the page's idle warning asks how long the session has left (GET) or keeps it (POST).
KEEP_ALIVE_PATH = "/auth/keep-alive"
#: Tokens, tickets and device values are URL-safe base64 of 32 random bytes (43 characters);
#: anything longer or made of other characters is refused before any work is done on it.
_OPAQUE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_MAX_RETURN_PATH = 500


@dataclass(frozen=True, slots=True)
class HandOver:
    """What a redeemed ticket gives the browser: its session token, device value, next page."""

    token: str
    device: str
    return_path: str


def is_opaque_value(value: object) -> TypeGuard[str]:
    """Tell whether a cookie or ticket value has the shape of one this app makes."""
    return isinstance(value, str) and _OPAQUE.fullmatch(value) is not None


def safe_return_path(raw: object) -> str:
    """Return `raw` if it is a path on this site, else "/": never a way to another site.

    Refuses absolute URLs, scheme-relative ones (`//host`), backslashes (browsers read `/\\host`
    as `//host`), control characters and spaces (browsers drop some of them, which can turn
    `/<tab>/host` into `//host`), and the auth routes themselves.
    """
    if not isinstance(raw, str) or not raw.startswith("/") or len(raw) > _MAX_RETURN_PATH:
        return "/"
    if raw.startswith("//") or "\\" in raw or any(ch <= " " or ch == "\x7f" for ch in raw):
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path.startswith("/auth/"):
        return "/"
    return raw


def issue_ticket(
    engine: Engine,
    token: str,
    *,
    person_id: int,
    device: str = "",
    return_path: str = "/",
    now: datetime | None = None,
) -> str:
    """Store a one-time ticket that hands the session of `token` to a cookie; return it."""
    when = now or datetime.now(UTC)
    ticket = secrets.token_urlsafe(32)
    with write_transaction(engine, durable=False) as session:
        tickets.purge_tickets(session, now=when)
        tickets.create_ticket(
            session,
            hash_token(ticket),
            person_id=person_id,
            session_hash=hash_token(token),
            device=device if is_opaque_value(device) else "",
            return_path=safe_return_path(return_path),
            expires_at=when + timedelta(seconds=TICKET_SECONDS),
        )
    return ticket


def redeem_ticket(engine: Engine, ticket: object, *, now: datetime | None = None) -> HandOver | None:
    """Use a ticket once: move its session to a new token and return it, or None.

    None when the ticket is malformed, unknown, already used, expired, or its session has ended
    meanwhile. A ticket is removed by its first use, whatever the outcome.
    """
    if not is_opaque_value(ticket):
        return None
    when = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    with write_transaction(engine, durable=False) as session:
        row = tickets.take_ticket(session, hash_token(ticket))
        if row is None or row.expires_at <= when:
            return None
        if not sessions.rekey_session(session, row.session_hash, hash_token(token)):
            return None
    return HandOver(token=token, device=row.device, return_path=safe_return_path(row.return_path))
