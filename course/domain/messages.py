"""Email templates a trainer writes: what each kind of message may say, and filling one in.

A template is read from a content file (course/content/messages.py) into a subject, a plain-text
body and a sanitised HTML body, each holding placeholders such as `{name}`. Filling one in is
pure: values are escaped for HTML, stripped of line breaks in the subject, and never parsed as
Markdown, so a person's name cannot add a link or markup to the message. Stdlib only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class MessageKind(StrEnum):
    """Each kind of email a course's messages/ folder may word, named as its file is."""

    WELCOME = "welcome"
    REMINDER_BEFORE = "reminder-before"
    REMINDER_DUE = "reminder-due"
    OVERDUE_MANAGER = "overdue-manager"
    #: One note to a manager naming several people who are late, instead of one note each.
    OVERDUE_DIGEST = "overdue-digest"


#: The placeholders every kind of message may use, and what each one holds.
PLACEHOLDERS: Mapping[str, str] = {
    "name": "the recipient's name",
    "item": "what was assigned: a track, module or scenario title",
    "due_date": "the due date, written out (Friday 4 December 2026)",
    "link": "the address of the course",
    "days_left": "whole days from today to the due date",
}
#: Placeholders only some kinds may use.
KIND_PLACEHOLDERS: Mapping[MessageKind, frozenset[str]] = {
    MessageKind.WELCOME: frozenset(),
    MessageKind.REMINDER_BEFORE: frozenset({"unsubscribe_link"}),
    MessageKind.REMINDER_DUE: frozenset(),
    MessageKind.OVERDUE_MANAGER: frozenset({"report_name", "report_email", "days_overdue"}),
    MessageKind.OVERDUE_DIGEST: frozenset({"count", "reports"}),
}
#: What each placeholder of a kind holds, beyond the common ones.
EXTRA_PLACEHOLDERS: Mapping[str, str] = {
    "unsubscribe_link": "the address that stops optional reminders (required in reminder-before)",
    "report_name": "the name of the person who is overdue (overdue-manager)",
    "report_email": "the email address of the person who is overdue (overdue-manager)",
    "days_overdue": "whole days since the due date (overdue-manager)",
    "count": "how many people and assignments the note names (overdue-digest)",
    "reports": "the list of who is late with what, one per line (overdue-digest; on a line of its own)",
}
#: Placeholders that stand for a list, one item per line: a bulleted list in the body (the
#: HTML part gets a <ul>), the items joined with commas in the subject.
BLOCK_PLACEHOLDERS = frozenset({"reports"})
#: Placeholders a kind of message must use somewhere in its body.
REQUIRED: Mapping[MessageKind, frozenset[str]] = {
    MessageKind.WELCOME: frozenset({"item", "due_date", "link"}),
    MessageKind.REMINDER_BEFORE: frozenset({"item", "due_date", "link", "unsubscribe_link"}),
    MessageKind.REMINDER_DUE: frozenset({"item", "link"}),
    MessageKind.OVERDUE_MANAGER: frozenset({"report_name", "item", "due_date"}),
    MessageKind.OVERDUE_DIGEST: frozenset({"reports"}),
}
#: Kinds a person may opt out of; the others (due today, overdue) always go.
OPTIONAL_KINDS = frozenset({MessageKind.REMINDER_BEFORE})
#: Days before the due date that a reminder goes out, when its file does not say.
DEFAULT_DAYS_BEFORE = 7

#: `{name}` is a placeholder; `{{` and `}}` write a literal brace.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\n]{0,40})\}")


#: Common placeholders about one assignment, which a note listing several cannot fill.
_ONE_ASSIGNMENT = frozenset({"item", "due_date", "days_left"})


def allowed_placeholders(kind: MessageKind) -> frozenset[str]:
    """Return every placeholder a message of this kind may use."""
    common = frozenset(PLACEHOLDERS)
    if kind is MessageKind.OVERDUE_DIGEST:
        common -= _ONE_ASSIGNMENT
    return common | KIND_PLACEHOLDERS[kind]


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    """One kind of email as its file words it, ready to fill in."""

    kind: MessageKind
    subject: str
    #: The plain-text body, with placeholders.
    text: str
    #: The sanitised HTML body (the fragment inside <body>), with placeholders.
    html: str
    #: For reminder-before: how many days before the due date it goes out.
    days_before: int
    #: Where the template came from: the course's file, or the built-in default.
    source: str


@dataclass(frozen=True, slots=True)
class FilledMessage:
    """A template filled in for one recipient."""

    subject: str
    text: str
    html: str


def _substitute(template: str, values: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole in ("{{", "}}"):
            return whole[0]
        # The validator refuses unknown names; a template that slipped past keeps the text as is.
        return values.get(match.group(1), whole)

    return PLACEHOLDER.sub(one, template)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def fill(template: MessageTemplate, values: Mapping[str, str],
         blocks: Mapping[str, Sequence[str]] | None = None) -> FilledMessage:
    """Fill the template in: values go in as plain text (escaped in HTML, one line in the subject).

    `blocks` fill the list placeholders (BLOCK_PLACEHOLDERS): "- item" lines in the text part,
    a list in the HTML part (replacing the paragraph the placeholder stands alone in), and the
    items joined with commas in the subject.
    """
    lists = blocks or {}
    escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
    in_html = escaped | {key: _html_list(items) for key, items in lists.items()}
    page = template.html
    for key in lists:
        page = page.replace(f"<p>{{{key}}}</p>", f"{{{key}}}")  # a list is not inside a paragraph
    in_subject = {k: _one_line(v) for k, v in values.items()} | {
        key: ", ".join(_one_line(item) for item in items) for key, items in lists.items()}
    in_text = dict(values) | {key: "\n".join(f"- {_one_line(item)}" for item in items)
                              for key, items in lists.items()}
    subject = _substitute(template.subject, in_subject)
    body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
            f"{_substitute(page, in_html)}</body></html>")
    return FilledMessage(_one_line(subject)[:250], _substitute(template.text, in_text), body)


def _html_list(items: Sequence[str]) -> str:
    rows = "".join(f"<li>{html.escape(_one_line(item), quote=True)}</li>" for item in items)
    return f"<ul>{rows}</ul>"


def format_day(day: date) -> str:
    """Return a date as emails write it: Friday 4 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"
