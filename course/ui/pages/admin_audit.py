"""The audit log: one plain sentence per event, filtered by day, person and kind on the server,
shown a page at a time, and a CSV download of the filtered events safe to open in a spreadsheet."""

from __future__ import annotations

from datetime import date

import streamlit as st

from course.domain.audit_log import KNOWN_KINDS, AuditFilter
from course.domain.permissions import Actor, Page
from course.services.permissions import audit_page, list_audit_events, record_audit_event
from course.ui import a11y, auth, resources, tables
from course.ui.audit_rows import render_csv, rows_of
from course.ui.text import literal

_ALL = "All kinds"
PAGE_SIZE = 50
#: The most events one download holds; narrow the filter for older ones.
EXPORT_LIMIT = 5000
SHOWN = ("When", "Event", "Kind", "Address")


def export(actor: Actor, where: AuditFilter) -> str:
    """Return the newest filtered events (at most EXPORT_LIMIT) as CSV."""
    return render_csv(rows_of(list_audit_events(resources.engine(), actor, where=where, limit=EXPORT_LIMIT)))


def _record_download(actor: Actor, where: AuditFilter, count: int) -> None:
    detail: dict[str, object] = {"kind": where.kind or "", "person": where.person,
                                 "since": str(where.since or ""), "until": str(where.until or ""),
                                 "rows": count}
    record_audit_event(resources.engine(), actor, "audit_exported", target="audit_log",
                       detail=detail, address=auth.client_address())


def _day(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _filter() -> AuditFilter:
    since_column, until_column, person_column, kind_column = st.columns(4)
    since = since_column.date_input("From (UTC day)", value=None, key="audit-since", format="YYYY-MM-DD")
    until = until_column.date_input("To (UTC day)", value=None, key="audit-until", format="YYYY-MM-DD")
    person = person_column.text_input("Person (email or name)", key="audit-person", max_chars=254,
                                      help="Matches who acted or to whom it was done.")
    kind = kind_column.selectbox("Kind of event", options=[_ALL, *KNOWN_KINDS], key="audit-kind")
    return AuditFilter(kind=None if kind == _ALL else kind, person=person.strip(),
                       since=_day(since), until=_day(until))


def render() -> None:
    """Draw the audit log page."""
    actor = auth.require_page(Page.ADMIN_AUDIT)
    a11y.page("Audit log")
    st.title("Audit log", anchor=False)
    where = _filter()
    if where.since and where.until and where.since > where.until:
        st.warning("The first day is after the last day, so no event can match.")
    page = int(st.number_input("Page", min_value=1, value=1, step=1, key="audit-page"))
    offset = (page - 1) * PAGE_SIZE
    entries, total = audit_page(resources.engine(), actor, where, limit=PAGE_SIZE, offset=offset)
    rows = rows_of(entries)
    if rows:
        first = offset + 1
        st.caption(f"Events {first} to {first + len(rows) - 1} of {total}, newest first. Times are in UTC.")
        tables.show(rows, hide_index=True, width="stretch", column_order=SHOWN)
    elif total:
        st.info(f"Page {page} is past the end: the {total} matching events fit on "
                f"{(total + PAGE_SIZE - 1) // PAGE_SIZE} page(s).")
    else:
        st.info("No event matches this filter.")
    if where.person:
        st.caption("Showing events where " + literal(where.person) + " acted or was acted on.")
    st.download_button(f"Download the {min(total, EXPORT_LIMIT)} matching events as CSV",
                       data=lambda: export(actor, where), file_name="audit-log.csv", mime="text/csv",
                       on_click=_record_download, args=(actor, where, min(total, EXPORT_LIMIT)),
                       icon=":material/download:", key="audit-csv", disabled=total == 0,
                       help="The newest 5,000 at most. Cells that a spreadsheet would run as a formula "
                            "start with '.")


render()
