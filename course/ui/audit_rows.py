"""The audit log's rows: one plain sentence per event beside its raw facts, and a CSV safe to open."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from course.domain.audit_log import AuditFacts, describe
from course.domain.dashboard import neutralise
from course.services.permissions import AuditEntry

COLUMNS = ("When", "Event", "Kind", "Who", "Whom", "Target", "Detail", "Address")


def sentence(entry: AuditEntry) -> str:
    """Return the event as one plain sentence."""
    return describe(AuditFacts(kind=entry.kind, actor_label=entry.actor, actor_name=entry.actor_name,
                               subject_label=entry.subject, subject_name=entry.subject_name,
                               target=entry.target, detail=entry.detail, address=entry.address))


def _when(at: datetime) -> str:
    moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # stored in UTC
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def rows_of(entries: list[AuditEntry]) -> list[dict[str, str]]:
    """Return the events as table rows, with the sentence and the raw facts."""
    return [
        {"When": _when(e.at), "Event": sentence(e), "Kind": e.kind, "Who": e.actor, "Whom": e.subject,
         "Target": e.target,
         "Detail": json.dumps(e.detail, sort_keys=True, ensure_ascii=False) if e.detail else "",
         "Address": e.address}
        for e in entries
    ]


def render_csv(rows: list[dict[str, str]]) -> str:
    """Return the rows as CSV text, every cell neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[column]) for column in COLUMNS])
    return out.getvalue()
