"""The audit log: the newest events, filtered by kind, and a CSV download safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import streamlit as st

from course.domain.permissions import Actor, Page
from course.services.permissions import list_audit_events, record_audit_event
from course.ui import a11y, auth, resources, tables
from course.ui.text import literal

_ALL = "All kinds"
#: The kinds the app writes, so that the filter offers them before they first happen.
KNOWN_KINDS = (
    "account_created", "account_disabled", "account_enabled", "action_denied", "audit_exported",
    "capabilities_changed", "certificate_issued", "certificate_revoked", "content_published",
    "dashboard_exported", "demo_person_created", "demo_sign_in", "first_admin_created",
    "forged_request", "own_records_exported", "page_denied", "passphrase_changed", "person_erased",
    "person_exported", "privacy_settings_changed", "roster_imported", "sign_in", "sign_in_failed",
    "sign_in_throttled",
)
COLUMNS = ("Kind", "When", "Who", "Whom", "Target", "Detail", "Address")
#: A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Return the cell with a leading quote if a spreadsheet would take it for a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def render_csv(rows: list[dict[str, str]]) -> str:
    """Return the rows as CSV text, every cell neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[column]) for column in COLUMNS])
    return out.getvalue()


def _when(at: datetime) -> str:
    moment = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # stored in UTC
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _record_download(actor: Actor, kind: str, count: int) -> None:
    record_audit_event(resources.engine(), actor, "audit_exported", target="audit_log",
                       detail={"kind": kind, "rows": count}, address=auth.client_address())


def render() -> None:
    """Draw the audit log page."""
    actor = auth.require_page(Page.ADMIN_AUDIT)
    engine = resources.engine()
    a11y.page("Audit log")
    st.title("Audit log", anchor=False)
    left, right = st.columns([2, 1])
    limit = int(right.number_input("Newest events to show", min_value=10, max_value=5000, value=200,
                                   step=50, key="audit-limit"))
    events = list_audit_events(engine, actor, limit=limit)
    kinds = sorted({*KNOWN_KINDS, *(event.kind for event in events)})
    kind = left.selectbox("Kind of event", options=[_ALL, *kinds], key="audit-kind")
    if kind != _ALL:
        events = list_audit_events(engine, actor, limit=limit, kind=kind)
    rows = [
        {"Kind": e.kind, "When": _when(e.at), "Who": e.actor, "Whom": e.subject, "Target": e.target,
         "Detail": json.dumps(e.detail, sort_keys=True, ensure_ascii=False) if e.detail else "",
         "Address": e.address}
        for e in events
    ]
    st.caption(f"The {len(rows)} newest event(s)" + ("" if kind == _ALL else f" of kind {literal(kind)}") +
               ", newest first. Times are in UTC.")
    if rows:
        tables.show(rows, hide_index=True, width="stretch", column_order=COLUMNS)
    else:
        st.info("No event of this kind yet.")
    st.download_button("Download as CSV", data=render_csv(rows), file_name="audit-log.csv", mime="text/csv",
                       on_click=_record_download, args=(actor, kind, len(rows)), icon=":material/download:",
                       key="audit-csv", help="Cells that a spreadsheet would run as a formula start with '.")


render()
