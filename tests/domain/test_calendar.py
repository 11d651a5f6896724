"""The calendar file of a due date: RFC 5545 lines, folding and escaping, read back by icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar

from course.domain.calendar import DueEvent, escape_text, fold, render_ics

STAMP = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def event(summary: str = "Due: Legal & compliance track") -> DueEvent:
    return DueEvent(uid="assignment-1-2-0@example.org", day=date(2026, 6, 1), summary=summary,
                    description="Complete it; then rest, please.\nhttps://course.example.org/",
                    url="https://course.example.org/")


def test_the_file_parses_as_one_all_day_event_on_the_due_date() -> None:
    text = render_ics(event(), stamp=STAMP)
    calendar = icalendar.Calendar.from_ical(text)
    (found,) = calendar.walk("VEVENT")
    assert str(found["UID"]) == "assignment-1-2-0@example.org"
    assert found.decoded("DTSTART") == date(2026, 6, 1) and found.decoded("DTEND") == date(2026, 6, 2)
    assert found.decoded("DTSTAMP") == STAMP
    assert str(found["SUMMARY"]) == "Due: Legal & compliance track"
    assert str(found["DESCRIPTION"]) == "Complete it; then rest, please.\nhttps://course.example.org/"
    assert str(found["URL"]) == "https://course.example.org/"


def test_every_line_ends_in_crlf_and_holds_at_most_75_octets() -> None:
    long_title = "Due: " + "Überprüfung der Social-Media-Richtlinie für Führungskräfte " * 4 + "🎯"
    text = render_ics(event(long_title), stamp=STAMP)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the title was folded
    (found,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(found["SUMMARY"]) == long_title


def test_folding_never_splits_a_character_and_text_is_escaped() -> None:
    folded = fold("X:" + "é" * 80)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "X:" + "é" * 80
    assert escape_text("a,b;c\\d\r\ne") == "a\\,b\\;c\\\\d\\ne"


def test_a_line_break_in_a_name_cannot_add_a_property() -> None:
    hostile = event("Due: x\r\nATTENDEE:mailto:evil@example.org")
    hostile = DueEvent(hostile.uid + "\r\nORGANIZER:x", hostile.day, hostile.summary, hostile.description,
                       hostile.url)
    text = render_ics(hostile, stamp=STAMP)
    assert "\r\nATTENDEE" not in text and "\r\nORGANIZER" not in text
    (found,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert "ATTENDEE" not in found and "ORGANIZER" not in found
