"""A calendar file (RFC 5545) holding one all-day event on a due date. Stdlib only.

Mail programs offer to add such an attachment to the recipient's calendar. Lines end in CRLF and
are folded at 75 octets (never inside a UTF-8 character); text values are escaped as the RFC says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

#: The longest content line, in octets, before it is folded.
LINE_OCTETS = 75
PRODUCT = "-//Need to Share//Assignments//EN"


@dataclass(frozen=True, slots=True)
class DueEvent:
    """What the calendar entry says: a stable id, the day, a title, a description and an address."""

    uid: str
    day: date
    summary: str
    description: str
    url: str


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma, and line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold one content line into pieces of at most 75 octets joined by CRLF and a space."""
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            # A continuation line starts with a space, which counts towards its 75 octets.
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _one_line(value: str) -> str:
    # URLs and ids are not TEXT values: no escaping, but a line break could forge a property.
    return "".join(value.split())


def render_ics(event: DueEvent, *, stamp: datetime) -> str:
    """Return the calendar file: one VEVENT spanning the due date (DTEND is the day after)."""
    moment = stamp.astimezone(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_one_line(event.uid)}",
        f"DTSTAMP:{moment:%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"URL:{_one_line(event.url)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
