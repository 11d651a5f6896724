"""Roster import: upload or paste an HR export, preview each line once (add, change, unchanged or
problem), then apply it, or apply the good rows and leave the problem rows out.

"Apply" is offered only after a preview of the very same text; with problems, only once the admin
ticks to leave them out. The service checks every row again when it applies, and applies the good
rows only if the problems it finds are exactly the lines the admin agreed to leave out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from course.domain.permissions import Actor, Page
from course.services.invitations import InviteReport, invite_people
from course.services.permissions import PermissionDenied
from course.services.roster import ChangeKind, RosterReport, import_roster, problems_csv
from course.ui import a11y, access_links, auth, resources, state, tables
from course.ui.text import literal

#: Far above any real HR export (the service stops at 50,000 rows), far below what hurts the server.
MAX_BYTES = 20 * 1024 * 1024

_COLUMNS = (
    ("email", "yes", "the person's email; the key that matches existing people"),
    ("name", "yes", "full name"),
    ("department", "", "free text; leaders' dashboards are scoped by it"),
    ("tracks", "", "course tracks (listed below the example) separated by semicolons"),
    ("manager", "", "the manager's email (in the file or already known)"),
    ("capabilities", "", "learner, trainer, leader (leader:finance|sales for some departments) or admin, "
     "separated by semicolons; empty means learner"),
)


def _example(tracks: list[str]) -> str:
    """Return an example file that uses the served course's own track ids."""
    first, second = tracks[0], tracks[-1]
    return ("email,name,department,tracks,manager,capabilities\n"
            f"dee.okafor@example.org,Dee Okafor,finance,{first}; {second},,learner; leader:finance\n"
            f"eli.park@example.org,Eli Park,finance,{first},dee.okafor@example.org,learner\n"
            f'"sam.ng@example.org","Ng, Sam",sales,{second},,learner; trainer\n')


@dataclass(frozen=True, slots=True)
class _Preview:
    """The last dry run in this browser session, and the text it was made of."""

    digest: str
    source: str
    report: RosterReport

    def keep(self) -> None:
        """Keep the preview for the next runs, as a tuple: each run defines this class anew."""
        state.put(state.ROSTER_PREVIEW, value=(self.digest, self.source, self.report))

    @classmethod
    def kept(cls) -> _Preview | None:
        """Return the kept preview, if any."""
        stored = state.get(state.ROSTER_PREVIEW)
        return None if stored is None else cls(*stored)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _help(roles: dict[str, str]) -> None:
    with st.expander("Expected columns and an example"):
        st.write("A CSV file with a header row. Only `email` and `name` are required; the order is free. "
                 "People missing from the file are left as they are. Passphrases are never imported.")
        tables.show([{"Column": name, "Required": required, "Content": content}
                      for name, required, content in _COLUMNS], hide_index=True, width="stretch")
        st.code(_example(list(roles)), language=None)
        tracks = ", ".join(f"{key} ({label})" for key, label in roles.items())
        st.caption("Tracks of this course: " + literal(tracks))


def _source() -> tuple[str, str] | None:
    """Return the roster's name and text: the uploaded file if any, else the pasted text."""
    uploaded = st.file_uploader("Roster file (CSV)", type=["csv"], key="roster-file")
    pasted = st.text_area("Or paste the CSV text", height=200, key="roster-text",
                          placeholder="email,name,department,tracks,manager,capabilities")
    if uploaded is not None:
        raw = uploaded.getvalue()
        if len(raw) > MAX_BYTES:
            st.error(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
            return None
        try:
            return uploaded.name, raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            st.error("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.")
            return None
    if pasted.strip():
        return "pasted text", pasted
    return None


_OUTCOME = {ChangeKind.ADD: "add", ChangeKind.UPDATE: "change", ChangeKind.UNCHANGED: "unchanged"}


def _counts(report: RosterReport, *, done: bool = False) -> str:
    counts = report.counts
    add, update = ("added", "updated") if done else ("to add", "to update")
    text = (f"{counts.get('add', 0)} {add}, {counts.get('update', 0)} {update}, "
            f"{counts.get('unchanged', 0)} unchanged")
    if done and report.left_out:
        return text + f", {report.left_out} problem row(s) left out"
    return text if done else text + f", {len(report.problems)} problem(s)"


def _email_of(header: tuple[str, ...], values: tuple[str, ...]) -> str:
    return dict(zip(header, values, strict=False)).get("email", "").strip()


def _lines(report: RosterReport) -> list[dict[str, object]]:
    """Return one row per line of the file: what the import does with it, or what is wrong."""
    rows: list[dict[str, object]] = [
        {"Line": c.line, "Email": c.email, "Outcome": _OUTCOME[c.kind], "Details": ", ".join(c.fields)}
        for c in report.changes
    ]
    rows += [{"Line": p.line, "Email": _email_of(report.header, p.values), "Outcome": "problem",
              "Details": p.message} for p in report.problems]
    return sorted(rows, key=lambda row: int(str(row["Line"])))


def _show(preview: _Preview) -> None:
    report = preview.report
    st.caption(f"{literal(preview.source)}: {_counts(report)}")
    if report.problems and report.changes:
        st.warning(f"{len(report.problems)} problem row(s) found. Fix them and preview again, or tick "
                   "\"Leave out the problem rows\" to apply the other rows only.")
    elif report.problems:
        st.error(f"{len(report.problems)} problem(s) found and no good row, so nothing can be applied. "
                 "Fix them and preview again.")
    else:
        st.success("No problem found. Apply to make these changes.")
    tables.show(_lines(report), hide_index=True, width="stretch")
    if report.problems:
        st.download_button("Download the problem rows (CSV)", data=problems_csv(report),
                           file_name="roster-problems.csv", mime="text/csv", key="roster-problems",
                           icon=":material/download:",
                           help="The rows as read, with a column saying what is wrong. Cells that a "
                                "spreadsheet would run as a formula start with '.")


def _run(actor: Actor, text: str, *, dry_run: bool, known_tracks: tuple[str, ...],
         leave_out: tuple[int, ...] = ()) -> RosterReport | None:
    try:
        return import_roster(resources.engine(), text, by=actor, dry_run=dry_run, known_tracks=known_tracks,
                             leave_out=leave_out)
    except PermissionDenied as error:
        st.error(literal(error))
        return None


def _invite_added(actor: Actor, report: RosterReport) -> str:
    """Invite the people the import added; return what to tell the admin."""
    added = [c.email for c in report.changes if c.kind is ChangeKind.ADD]
    if not added:
        return ""
    try:
        invited: InviteReport = invite_people(resources.engine(), added, by=actor,
                                              mail=resources.settings().mail,
                                              local_passphrases=resources.settings().local_passphrases)
    except PermissionDenied as error:
        return f" No invitation sent: {error}."
    if invited.problems:
        return " No invitation sent: " + "; ".join(invited.problems[:5]) + "."
    if invited.shown:
        access_links.print_links(invited.shown)
        state.put(state.ROSTER_LINKS, value=[(link.email, link.link) for link in invited.shown])
        return (f" No SMTP server is configured, so the {len(invited.shown)} invitation links are below "
                "(and on the server console): hand each person theirs by another channel.")
    access_links.send_soon()
    return (f" {invited.queued} invitations queued: they are being sent, and `python -m course mail send` "
            "sends any left.")


def render() -> None:
    """Draw the roster import page."""
    actor = auth.require_page(Page.ADMIN_ROSTER)
    a11y.page("Roster import")
    st.title("Roster import", anchor=False)
    message = state.take(state.ROSTER_FLASH)
    if message:
        st.success(literal(message))
    shown = state.take(state.ROSTER_LINKS)
    if shown:
        tables.show([{"Email": email, "Link": link} for email, link in shown], hide_index=True,
                     width="stretch")
    course = resources.course().course
    if course is None:
        st.error("The course is unavailable, so tracks cannot be checked: fix the course before importing.")
        return
    known_tracks = tuple(course.info.roles)
    _help(dict(course.info.roles))
    source = _source()
    digest = None if source is None else _digest(source[1])
    preview_column, apply_column = st.columns(2)
    if preview_column.button("Preview changes", disabled=source is None, key="roster-preview") and source:
        report = _run(actor, source[1], dry_run=True, known_tracks=known_tracks)
        if report is not None:
            _Preview(_digest(source[1]), source[0], report).keep()
    stored = _Preview.kept()
    current = stored if stored is not None and stored.digest == digest else None
    problems = () if current is None else tuple(p.line for p in current.report.problems)
    leave_out = bool(problems) and bool(current and current.report.changes) and st.checkbox(
        f"Leave out the {len(problems)} problem row(s) and apply the other rows", key="roster-leave-out",
        help="The problem rows change nothing; download them, fix them and import them later.")
    ready = current is not None and bool(current.report.changes) and (not problems or leave_out)
    invite = st.checkbox("Send invitations to the people it adds", key="roster-invite",
                         help="Each new person gets a one-time link by email to choose a passphrase.")
    if apply_column.button("Apply", type="primary", disabled=not ready, key="roster-apply"):
        # Checked here too: a forged message can press a disabled button.
        if not ready or source is None:
            st.error("Preview this roster first: it is applied only after a preview, and with problems "
                     "only when you choose to leave them out.")
        else:
            report = _run(actor, source[1], dry_run=False, known_tracks=known_tracks,
                          leave_out=problems if leave_out else ())
            if report is not None and report.applied:
                state.take(state.ROSTER_PREVIEW)
                invited = _invite_added(actor, report) if invite else ""
                state.put(state.ROSTER_FLASH, value=f"Roster applied: {_counts(report, done=True)}.{invited}")
                st.rerun()
            if report is not None:  # the people changed since the preview and a row no longer fits
                current = _Preview(_digest(source[1]), source[0], report)
                current.keep()
    if current is not None:
        _show(current)
    elif stored is not None and source is not None:
        st.info("The roster changed since the last preview: preview it again.")


render()
