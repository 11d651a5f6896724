"""Logs a machine can read: one JSON object per line, with the session and a pseudonym, never a secret.

`configure(settings)` gives the root logger one handler on standard error, in the format
NTS_LOG_FORMAT names: `text` (the default: a line a person reads) or `json` (one object per line
for journald, Loki, Elasticsearch...). Code logs with the standard `logging` module; a record may
carry `person_id` and `event` as extras (the audit log does).

Each JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, and where known:
`session` (this browser tab's Streamlit session, shortened), `person` (a keyed hash of the person's
id: the same person has the same pseudonym in every line and process sharing NTS_LOG_KEY, and
nobody without the key can tell who it is), `event` (an audit event's kind) and `error` (an
exception, on one line). Email addresses in a message are replaced by `[email]`; passphrases and
tokens are never passed to a logger at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

from course.settings import Settings

#: The logger every module of the app logs under (`logging.getLogger(__name__)`).
ROOT = "course"
FORMATS = ("text", "json")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_EMAIL = re.compile(r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+\.[A-Za-z]{2,}")
#: The tab and person the current rerun serves, set by the router around each page run.
_CONTEXT: ContextVar[tuple[str, int | None]] = ContextVar("nts_log_context", default=("", None))
_KEY = {"value": secrets.token_bytes(32)}


def pseudonym(person_id: int) -> str:
    """Return the keyed hash of a person's id that logs show instead of who they are."""
    digest = hmac.new(_KEY["value"], str(person_id).encode(), hashlib.sha256).hexdigest()
    return f"p-{digest[:16]}"


def redact(text: str) -> str:
    """Return the text with every email address replaced by `[email]`."""
    return _EMAIL.sub("[email]", text)


@contextlib.contextmanager
def bound(*, session: str, person_id: int | None) -> Iterator[None]:
    """Tag every log line written inside the block with this tab's session and this person."""
    token = _CONTEXT.set((session[:12], person_id))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        session, bound_person = _CONTEXT.get()
        person = getattr(record, "person_id", None) or bound_person
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if session:
            line["session"] = session
        if isinstance(person, int):
            line["person"] = pseudonym(person)
        event = getattr(record, "event", None)
        if isinstance(event, str):
            line["event"] = event
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = redact(f"{type(error).__name__}: {error}")
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class _RedactingText(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(settings: Settings, *, stream: object = None) -> logging.Handler:
    """Send the app's log lines to standard error (or `stream`) in the configured format.

    Calling it again replaces the handler it added before, so it is safe at every start.
    """
    if settings.log_key:
        _KEY["value"] = settings.log_key.encode()
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else _RedactingText(_TEXT))
    handler.set_name("nts")
    # On the root logger, so that the libraries' lines (the database driver's, the migrations')
    # come out in the same format; Streamlit's own loggers keep their handler and format.
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "nts"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.getLogger(ROOT).setLevel(settings.log_level)
    return handler
