"""Email the app sends: invitations and passphrase resets, rendered as plain text and HTML.

Pure functions: the message is built here, sent by an adapter at the edge. The wording names no
organisation, so any company can send it as it is.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class LinkKind(StrEnum):
    """What a one-time link lets its holder do: both end with setting a passphrase."""

    INVITE = "invite"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an email, such as the calendar entry of a due date."""

    filename: str
    #: The MIME type, as "text/calendar".
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One email: who gets it, its subject, its plain-text and HTML bodies, and a stable id."""

    recipient: str
    subject: str
    text: str
    html: str
    #: The same for every attempt to send this message, so a receiver can drop a repeat.
    message_id: str
    attachments: tuple[Attachment, ...] = ()
    #: Where the recipient stops optional messages (sent as List-Unsubscribe), when they may.
    unsubscribe_url: str = ""


def render_link(public_url: str, kind: LinkKind, token: str) -> str:
    """Return the address that opens the app on the page that takes this link's token."""
    return f"{public_url.rstrip('/')}/?{kind.value}={token}"


def _when(moment: datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M UTC")


def render_link_mail(
    kind: LinkKind,
    *,
    recipient: str,
    name: str,
    link: str,
    expires_at: datetime,
    message_id: str,
) -> OutgoingMail:
    """Return the invitation or reset email carrying this link."""
    greeting = f"Hello {name}," if name else "Hello,"
    if kind is LinkKind.INVITE:
        subject = "You are invited to Need to Share"
        lines = [
            "You have been given an account on Need to Share, a short course on using social "
            "media well when you speak for your organisation.",
            "Open the link below to choose your passphrase. You will then sign in with this "
            "email address and that passphrase.",
        ]
        action = "Choose my passphrase"
        ending = "If you did not expect this invitation, you can ignore this email."
    else:
        subject = "Reset your Need to Share passphrase"
        lines = [
            "Someone, hopefully you, asked to reset the passphrase of your Need to Share account.",
            "Open the link below to choose a new passphrase. Every session still open with the "
            "old passphrase will be signed out.",
        ]
        action = "Choose a new passphrase"
        ending = ("If you did not ask for this, ignore this email: your passphrase stays as it is. "
                  "Nobody from the course team will ever ask you for it.")
    validity = f"The link works once, until {_when(expires_at)}."
    text = "\n\n".join([greeting, *lines, link, validity, ending]) + "\n"
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in [greeting, *lines])
    body = (
        f"<!DOCTYPE html><html><body>{paragraphs}"
        f'<p><a href="{html.escape(link, quote=True)}">{html.escape(action)}</a></p>'
        f"<p>{html.escape(validity)}</p><p>{html.escape(ending)}</p></body></html>"
    )
    return OutgoingMail(recipient=recipient, subject=subject, text=text, html=body,
                        message_id=message_id)


class MailError(Exception):
    """A message could not be handed to the mail server; the text says why (no secrets in it)."""
