"""Invitations and passphrase resets: one-time links, sent by email through the outbox (outbox.py).

A link is a random token; only its SHA-256 is stored. A queued email has no token yet: the
sender draws it just before handing the message to the mail server, so the database never
holds a working link, and a retry sends a fresh one (the earlier, undelivered token is dead).
Without SMTP, invitation links are drawn at once and returned for the admin who invited.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from course.domain.accounts import AccountRuleError, check_passphrase, normalise_email
from course.domain.mail import LinkKind, render_link
from course.domain.permissions import Action, Actor
from course.services.accounts import COMMAND_LINE, PASSPHRASES_OFF, AccountError, Passwords, hash_token
from course.services.permissions import require
from course.settings import MailSettings
from course.store import audit, links, people, sessions
from course.store.engine import Engine, read_session, write_transaction

#: The one answer for a link that is malformed, unknown, expired, used or of a disabled account.
LINK_REFUSED = ("This link does not work any more: it may have expired or been used already. "
                "Ask for a new one.")
#: The one answer to "forgot passphrase", whether or not the email belongs to anyone.
RESET_ANSWERED = ("If an account uses this email address, a link to choose a new passphrase is on "
                  "its way. It works once, for a short time. Check your inbox and spam folder.")
#: Tokens are 43 URL-safe characters; anything outside this shape is refused before any lookup.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
#: Limits checked on the raw input, before any normalisation or hashing.
MAX_EMAIL = 254
MAX_PASSPHRASE = 1024
#: At most this many people in one invitation run (the roster import's own limit).
MAX_INVITES = 50_000


@dataclass(frozen=True, slots=True)
class ResetPolicy:
    """How many reset emails one email address, or one client address, may ask for per window."""

    window: timedelta = timedelta(hours=1)
    per_account: int = 3
    per_address: int = 20


@dataclass(frozen=True, slots=True)
class ShownLink:
    """An invitation link to hand over by another channel (no SMTP is configured)."""

    email: str
    link: str


@dataclass(frozen=True, slots=True)
class InviteReport:
    """What an invitation run did: who was invited, links to hand over, or why nothing was done."""

    invited: tuple[str, ...]
    problems: tuple[str, ...]
    #: Emails queued for sending (SMTP configured).
    queued: int
    #: Links drawn at once (no SMTP configured); empty otherwise.
    shown: tuple[ShownLink, ...]


@dataclass(frozen=True, slots=True)
class LinkCheck:
    """A link that works: whose it is and what it is for."""

    email: str
    kind: LinkKind


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _new_link_id() -> str:
    return secrets.token_hex(16)


def new_token() -> str:
    """Draw a link's token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


# --- inviting --------------------------------------------------------------------------------


def _collect(emails: Iterable[str]) -> tuple[list[str], list[str]]:
    """Return the normalised emails, in order and once each, and the problems found."""
    wanted: dict[str, None] = {}
    problems: list[str] = []
    for raw in emails:
        if len(raw) > MAX_EMAIL:
            problems.append(f"{raw[:40]!r}...: longer than {MAX_EMAIL} characters")
            continue
        try:
            wanted[normalise_email(raw)] = None
        except AccountRuleError as error:
            problems.append(f"{raw!r}: {error}")
    return list(wanted), problems


def invite_people(
    engine: Engine,
    emails: Iterable[str],
    *,
    by: Actor | None,
    mail: MailSettings,
    local_passphrases: bool = True,
    now: datetime | None = None,
) -> InviteReport:
    """Give each person a one-time link to choose a passphrase: emailed, or returned to show.

    All or nothing: an unknown, disabled or malformed email invites nobody. Earlier invitations
    of the same people stop working. Checked here, whatever the caller: only admins (or the
    command line) may invite. With local passphrases switched off, nobody is invited.
    """
    actor_id, actor_label = (None, COMMAND_LINE) if by is None else (by.person_id, by.email)
    if by is not None:
        require(engine, by, Action.MANAGE_PEOPLE)
    if not local_passphrases:
        return InviteReport(invited=(), problems=(PASSPHRASES_OFF,), queued=0, shown=())
    wanted, problems = _collect(emails)
    if len(wanted) > MAX_INVITES:
        problems.append(f"{len(wanted)} people: at most {MAX_INVITES} can be invited at once")
    with read_session(engine) as session:
        found = links.find_recipients(session, wanted)
    for email in wanted:
        person = found.get(email)
        if person is None:
            problems.append(f"{email}: nobody has this email")
        elif not person.active:
            problems.append(f"{email}: the account is disabled")
    if problems or not wanted:
        return InviteReport((), tuple(problems or ["no email given"]), 0, ())
    when = _now(now)
    expires = when + timedelta(days=mail.invite_days)
    link_rows: list[dict[str, object]] = []
    mail_rows: list[dict[str, object]] = []
    shown: list[ShownLink] = []
    for email in wanted:
        link_id = _new_link_id()
        token_hash = None
        if not mail.configured:
            token = new_token()
            token_hash = hash_token(token)
            shown.append(ShownLink(email, render_link(mail.public_url, LinkKind.INVITE, token)))
        link_rows.append({"id": link_id, "person_id": found[email].person_id, "kind": LinkKind.INVITE.value,
                          "token_hash": token_hash, "created_at": when, "expires_at": expires,
                          "closed_at": None})
        if mail.configured:
            mail_rows.append(_mail_row(LinkKind.INVITE, link_id, found[email], now=when))
    events: list[dict[str, object]] = [
        {"kind": "invitation_created", "actor_id": actor_id, "actor_label": actor_label,
         "subject_id": found[email].person_id, "subject_label": email,
         "detail": {"delivery": "email" if mail.configured else "shown", "expires": expires.isoformat()}}
        for email in wanted
    ]
    with write_transaction(engine) as session:
        links.close_open_links(session, [found[e].person_id for e in wanted], kind=LinkKind.INVITE.value,
                               now=when)
        links.insert_links(session, link_rows)
        links.insert_mail(session, mail_rows)
        audit.record_events(session, events, now=when)
    return InviteReport(tuple(wanted), (), len(mail_rows), tuple(shown))


def _mail_row(kind: LinkKind, link_id: str, person: links.Recipient, *, now: datetime) -> dict[str, object]:
    return {"key": f"{kind.value}:{link_id}", "kind": kind.value, "person_id": person.person_id,
            "link_id": link_id, "recipient": person.email, "created_at": now, "next_attempt_at": now,
            "attempts": 0, "sent_at": None, "failed_at": None, "last_error": ""}


# --- resets ----------------------------------------------------------------------------------


def request_reset(
    engine: Engine,
    email: str,
    *,
    mail: MailSettings,
    address: str = "",
    policy: ResetPolicy = ResetPolicy(),
    local_passphrases: bool = True,
    now: datetime | None = None,
) -> str:
    """Queue a reset email if the email belongs to an active person; return the one answer.

    The answer, and the work done, are the same whether or not anyone has the email, so it
    reveals nothing. Requests beyond the policy's limits are dropped (and audited); refused
    requests are not counted, so a stranger cannot keep an account from ever asking.
    """
    if len(email) > MAX_EMAIL:
        return RESET_ANSWERED
    if not local_passphrases:  # nothing to reset: people sign in with single sign-on
        with write_transaction(engine) as session:
            audit.record_event(session, "reset_refused", now=_now(now), actor_label=email.strip()[:254],
                               address=address, detail={"reason": "local passphrases are off"})
        return PASSPHRASES_OFF
    try:
        account = normalise_email(email)
    except AccountRuleError:
        return RESET_ANSWERED
    when = _now(now)
    with write_transaction(engine, durable=False) as session:
        links.serialise_reset_requests(session)
        by_account, by_address = links.count_reset_requests(
            session, account, address=address, since=when - policy.window
        )
        if by_account >= policy.per_account or by_address >= policy.per_address:
            audit.record_event(session, "reset_throttled", now=when, actor_label=account, address=address)
            return RESET_ANSWERED
        links.record_reset_request(session, account, address=address, now=when)
        person = links.find_recipients(session, [account]).get(account)
        if person is None or not person.active:
            audit.record_event(session, "reset_requested", now=when, actor_label=account, address=address,
                               detail={"queued": False})
            return RESET_ANSWERED
        link_id = _new_link_id()
        links.insert_links(session, [{
            "id": link_id, "person_id": person.person_id, "kind": LinkKind.RESET.value, "token_hash": None,
            "created_at": when, "expires_at": when + timedelta(minutes=mail.reset_minutes), "closed_at": None,
        }])
        links.insert_mail(session, [_mail_row(LinkKind.RESET, link_id, person, now=when)])
        audit.record_event(session, "reset_requested", now=when, actor_label=account, address=address,
                           subject_id=person.person_id, subject_label=account, detail={"queued": True})
    return RESET_ANSWERED


# --- using a link ----------------------------------------------------------------------------


def _well_formed(token: str) -> bool:
    return len(token) <= 64 and _TOKEN_SHAPE.fullmatch(token) is not None


def _open_link(engine: Engine, token: str, *, when: datetime) -> tuple[links.LinkRow, str] | None:
    if not _well_formed(token):
        return None
    with read_session(engine) as session:
        link = links.find_link(session, hash_token(token))
        person = None if link is None else people.get_person(session, link.person_id)
    if link is None or person is None or not person.active or link.closed_at is not None:
        return None
    if _aware(link.expires_at) <= when:
        return None
    return link, person.email


def check_link(engine: Engine, token: str, *, now: datetime | None = None) -> LinkCheck | None:
    """Return whose link this is and what for, or None when it does not work (for any reason)."""
    opened = _open_link(engine, token, when=_now(now))
    if opened is None:
        return None
    link, email = opened
    return LinkCheck(email=email, kind=LinkKind(link.kind))


def use_link(
    engine: Engine,
    token: str,
    passphrase: str,
    *,
    passwords: Passwords,
    address: str = "",
    local_passphrases: bool = True,
    now: datetime | None = None,
) -> str:
    """Set the passphrase of the link's person; return their email for signing in.

    The passphrase is checked by the usual rules first: a refused one leaves the link working.
    Then, in one transaction, the link is used (once: a second use finds it closed), every other
    open link of the person closes, and every session of theirs ends.
    """
    if not local_passphrases:
        raise AccountError(PASSPHRASES_OFF)
    when = _now(now)
    opened = _open_link(engine, token, when=when)
    if opened is None:
        raise AccountError(LINK_REFUSED)
    link, email = opened
    if len(passphrase) > MAX_PASSPHRASE:
        raise AccountError(f"passphrase refused: longer than {MAX_PASSPHRASE} characters")
    problems = check_passphrase(passphrase, email=email)
    if problems:
        raise AccountError("passphrase refused: " + "; ".join(problems))
    hashed = passwords.hash(passphrase)
    with write_transaction(engine) as session:
        if not links.close_link(session, link.id, now=when):
            raise AccountError(LINK_REFUSED)
        others = links.close_open_links(session, [link.person_id], kind=None, now=when)
        people.set_passphrase_hash(session, link.person_id, passphrase_hash=hashed, now=when)
        ended = sessions.end_sessions_of(session, link.person_id, now=when)
        audit.record_event(session, "passphrase_set_by_link", now=when, actor_id=link.person_id,
                           actor_label=email, subject_id=link.person_id, subject_label=email,
                           address=address, detail={"link": link.kind, "other_links_closed": others,
                                                    "sessions_ended": ended})
    return email


def purge_link_records(engine: Engine, *, keep: timedelta = timedelta(days=30),
                       policy: ResetPolicy = ResetPolicy(), now: datetime | None = None) -> tuple[int, int]:
    """Delete links (and their emails) closed or expired `keep` ago, and reset requests too old to
    count; return how many of each. Failed emails stay visible for `keep` after their link ended.
    """
    when = _now(now)
    with write_transaction(engine, durable=False) as session:
        purged_links = links.purge_links(session, before=when - keep)
        requests = links.purge_reset_requests(session, before=when - policy.window)
    return purged_links, requests
