"""People: every account, adding a person, and one person's access, passphrase, privacy and certificates.

Every action calls its service with `by=actor`: the service checks the permission and writes the
audit log, so a forged click from the browser changes nothing the table does not allow.

The table shows one page of people, searched and paged in the database: at 20,000 people a
click sends about 50 rows, not the whole organisation.
"""

from __future__ import annotations

import re

import streamlit as st

from course.domain.accounts import PersonInfo, render_capabilities
from course.domain.permissions import Actor, Capability, Grants, Page
from course.services.accounts import (
    AccountError,
    add_account,
    set_active,
    set_capabilities,
    set_passphrase,
)
from course.services.certificates import certificates_of, revoke_certificate
from course.services.directory import PeoplePage, find_people, find_person, list_departments
from course.services.invitations import invite_people
from course.services.outbox import mail_status
from course.services.permissions import PermissionDenied
from course.services.privacy import erase_person, export_person, render_export
from course.ui import a11y, access_links, auth, resources, state, tables
from course.ui.text import literal

_PERSON = state.PEOPLE_CHOSEN.slot()
_SEARCH = state.PEOPLE_SEARCH.slot()
_PAGE = state.PEOPLE_PAGE.slot()
_ADD_KEYS = ("add-email", "add-name", "add-department", "add-tracks", "add-capabilities",
             "add-leader-departments", "add-passphrase")
_CAPABILITIES = [capability.value for capability in Capability]
_SCOPE_HELP = "Only for leaders: the departments their dashboards show. None means every department."
#: What a refused action raises; its message is safe to show as it is.
_REFUSED = (AccountError, PermissionDenied)


def _done(message: str, *, forget: tuple[str, ...] = ()) -> None:
    """Keep a message for the next run, forget some widgets' values, and rerun."""
    for key in forget:
        state.forget_widget(key)
    state.put(state.PEOPLE_FLASH, value=message)
    a11y.step(message, level=1)  # the page's h1 takes the focus; the message is read out
    st.rerun()


def _grants(capabilities: list[str], departments: list[str]) -> Grants:
    """Return the grants chosen in a form, or raise AccountError."""
    if not capabilities:
        raise AccountError("choose at least one capability")
    chosen = frozenset(Capability(value) for value in capabilities)
    scope = frozenset(d.strip() for d in departments if d.strip())
    if scope and Capability.LEADER not in chosen:
        raise AccountError("leader departments apply only to the leader capability")
    return Grants(capabilities=chosen, leader_departments=scope or None)


def _searched(actor: Actor) -> None:
    """Go back to the first page of a new search, and say how many accounts it found."""
    state.put(state.PEOPLE_PAGE, value=1)
    found = find_people(resources.engine(), by=actor, search=str(state.get(state.PEOPLE_SEARCH, default="")))
    matching = f" matching “{found.search}”" if found.search else ""
    a11y.say(f"{found.total:,} account(s){matching}.")


def _table(actor: Actor) -> PeoplePage:
    """Draw the search box, one page of people and the page chooser; return the page shown."""
    search = st.text_input("Search by email, name or department", key=_SEARCH, on_change=_searched,
                           args=(actor,), placeholder="for example: finance, okafor, @example.org")
    found = find_people(resources.engine(), by=actor, search=search,
                        page=int(state.get(state.PEOPLE_PAGE, default=1)))
    # The database may hold fewer pages than the chooser remembers (after an erasure, say).
    state.put(state.PEOPLE_PAGE, value=found.page)
    matching = f" matching “{found.search}”" if found.search else ""
    st.caption(f"{found.total:,} account(s){matching}; page {found.page} of {found.pages}")
    tables.show(
        [{"Email": p.email, "Name": p.name, "Department": p.department, "Tracks": ", ".join(p.tracks),
          "Capabilities": render_capabilities(p.grants), "Active": p.active,
          "Has passphrase": p.has_passphrase} for p in found.people],
        hide_index=True, width="stretch",
    )
    if found.pages > 1:
        st.number_input("Page", min_value=1, max_value=found.pages, step=1, key=_PAGE)
    return found


def _add_form(actor: Actor, roles: dict[str, str], departments: list[str]) -> None:
    with st.form("add-person"):
        email = st.text_input("Email", key="add-email")
        name = st.text_input("Full name", key="add-name")
        department = st.text_input("Department", key="add-department")
        tracks = st.multiselect("Tracks", options=list(roles), format_func=lambda t: roles.get(t, t),
                                key="add-tracks")
        capabilities = st.multiselect("Capabilities", options=_CAPABILITIES, default=["learner"],
                                      key="add-capabilities")
        scope = st.multiselect("Leader departments", options=departments, accept_new_options=True,
                               help=_SCOPE_HELP, key="add-leader-departments")
        passphrase = st.text_input("Initial passphrase (optional, at least 12 characters)",
                                   type="password", autocomplete="new-password", key="add-passphrase",
                                   help="Without one, the person cannot sign in until an admin sets it.")
        submitted = st.form_submit_button("Add person", type="primary", key="add-submit")
    if not submitted:
        return
    try:
        added = add_account(
            resources.engine(), email, name=name, grants=_grants(capabilities, scope), by=actor,
            passwords=resources.passwords() if passphrase else None, passphrase=passphrase or None,
            department=department, tracks=tracks,
        )
    except _REFUSED as error:
        st.error(literal(error))
    else:
        _done(f"Added {added.email}.", forget=_ADD_KEYS)


def _invite(actor: Actor) -> None:
    """Invite people by email: each gets a one-time link to choose a passphrase."""
    mail = resources.settings().mail
    shown = state.take(state.PEOPLE_LINKS)
    if shown:
        st.warning("No SMTP server is configured, so no email was sent. Hand each person their link "
                   "by another channel; each works once. They were also printed on the server console.")
        tables.show([{"Email": email, "Link": link} for email, link in shown], hide_index=True,
                     width="stretch")
    counts, _ = mail_status(resources.engine(), by=actor)
    if counts.waiting or counts.failed:
        st.caption(f"Email: {counts.waiting} waiting to be sent, {counts.failed} failed "
                   "(see `python -m course mail status`).")
    with st.form("invite-people", clear_on_submit=True):
        text = st.text_area("Emails, one per line or separated by commas", key="invite-emails",
                            help="Each person must already be on the People list.")
        submitted = st.form_submit_button("Send invitations", key="invite-submit")
    if not submitted:
        return
    emails = [e for e in text.replace(",", "\n").replace(";", "\n").splitlines() if e.strip()]
    try:
        report = invite_people(resources.engine(), emails, by=actor, mail=mail,
                               local_passphrases=resources.settings().local_passphrases)
    except _REFUSED as error:
        st.error(str(error))
        return
    if report.problems:  # shown as table cells: what was typed is never read as Markdown
        st.error(f"Nobody was invited: {len(report.problems)} problem(s). Fix them and send again.")
        tables.show([{"Problem": problem} for problem in report.problems], hide_index=True,
                     width="stretch")
        return
    if report.shown:
        access_links.print_links(report.shown)
        state.put(state.PEOPLE_LINKS, value=[(link.email, link.link) for link in report.shown])
    else:
        access_links.send_soon()
    sending = " Their emails are being sent." if report.queued else ""
    count = len(report.invited)
    _done(f"Invited {'1 person' if count == 1 else f'{count} people'}.{sending}")


def _access(actor: Actor, person: PersonInfo, departments: list[str]) -> None:
    engine = resources.engine()
    st.write("Status: " + ("active" if person.active else "disabled"))
    if person.id == actor.person_id:
        st.caption("This is your own account: you cannot disable it here.")
    else:
        label = "Disable account" if person.active else "Enable account"
        if st.button(label, key=f"active-{person.email}",
                     help="Disabling ends the person's open sessions at once."):
            try:
                set_active(engine, person.email, active=not person.active, by=actor)
            except _REFUSED as error:
                st.error(literal(error))
            else:
                _done(f"{'Disabled' if person.active else 'Enabled'} {person.email}.")
    current = sorted(person.grants.leader_departments or ())
    with st.form(f"capabilities-{person.email}"):
        capabilities = st.multiselect(
            "Capabilities", options=_CAPABILITIES, key=f"capabilities-{person.email}",
            default=[c.value for c in Capability if c in person.grants.capabilities],
        )
        scope = st.multiselect("Leader departments", options=sorted({*departments, *current}),
                               default=current, accept_new_options=True, help=_SCOPE_HELP,
                               key=f"leader-departments-{person.email}")
        submitted = st.form_submit_button("Save capabilities", key=f"save-capabilities-{person.email}")
    if submitted:
        try:
            set_capabilities(engine, person.email, grants=_grants(capabilities, scope), by=actor)
        except _REFUSED as error:
            st.error(literal(error))
        else:
            _done(f"Saved the capabilities of {person.email}.")


def _passphrase(actor: Actor, person: PersonInfo) -> None:
    st.caption("Setting a passphrase ends the person's open sessions. Tell them the passphrase in "
               "person or by another channel than email.")
    with st.form(f"passphrase-{person.email}", clear_on_submit=True):
        first = st.text_input("New passphrase (at least 12 characters)", type="password",
                              autocomplete="new-password", key=f"passphrase-{person.email}")
        again = st.text_input("Repeat the new passphrase", type="password", autocomplete="new-password",
                              key=f"passphrase-again-{person.email}")
        submitted = st.form_submit_button("Set passphrase", key=f"set-passphrase-{person.email}")
    if not submitted:
        return
    if first != again:
        st.error("The two passphrases differ.")
        return
    try:
        set_passphrase(resources.engine(), person.email, first, passwords=resources.passwords(), by=actor)
    except _REFUSED as error:
        st.error(literal(error))
    else:
        _done(f"Set a new passphrase for {person.email}.")


def _privacy(actor: Actor, person: PersonInfo) -> None:
    engine = resources.engine()
    st.write("Export everything held about this person as JSON. The export is recorded in the audit log.")
    if st.button("Prepare data export", key=f"export-{person.email}"):
        try:
            text = render_export(export_person(engine, person.email, by=actor))
        except _REFUSED as error:
            st.error(literal(error))
        else:
            safe = re.sub(r"[^a-z0-9._-]+", "_", person.email)
            # Shown for this run only: the export is not kept in the session after it is downloaded.
            st.download_button("Download the export (JSON)", data=text, file_name=f"export-{safe}.json",
                               mime="application/json", on_click="ignore", icon=":material/download:",
                               key=f"export-download-{person.email}")
    st.divider()
    if person.id == actor.person_id:
        st.caption("This is your own account: it cannot be erased here.")
        return
    st.write("Erase everything held about this person: their account, progress and answers. Audit "
             "entries are kept without their name. This cannot be undone.")
    typed = st.text_input("Type the person's email address to confirm", key=f"erase-confirm-{person.email}")
    confirmed = typed.strip().casefold() == person.email
    if st.button("Erase this person", type="primary", disabled=not confirmed,
                 key=f"erase-{person.email}"):
        if not confirmed:  # the button can be pressed by a forged message even while disabled
            st.error("Type the person's email address exactly to confirm.")
            return
        try:
            erase_person(engine, person.email, by=actor)
        except (ValueError, PermissionDenied) as error:
            st.error(literal(error))
        else:
            _done(f"Erased everything held about {person.email}.", forget=(_PERSON,))


def _certificates(actor: Actor, person: PersonInfo) -> None:
    issued = certificates_of(resources.engine(), actor, person.id)
    if not issued:
        st.caption("This person holds no certificate yet.")
        return
    for certificate in issued:
        with st.container(border=True):
            st.markdown(f"**{literal(certificate.track_title)}** · {literal(certificate.band)} · "
                        f"issued {certificate.issued_at:%d %b %Y} · code {certificate.code}")
            if certificate.revoked_at is not None:
                st.caption(f"Revoked on {certificate.revoked_at:%d %b %Y}: "
                           f"{literal(certificate.revoked_reason) or 'no reason given'}")
                continue
            reason = st.text_input("Reason for revoking", key=f"revoke-reason-{certificate.code}",
                                   max_chars=300)
            if st.button("Revoke this certificate", key=f"revoke-{certificate.code}",
                         icon=":material/block:"):
                try:
                    revoke_certificate(resources.engine(), actor, certificate.code, reason=reason)
                except (LookupError, PermissionDenied) as error:
                    st.error(literal(error))
                else:
                    _done(f"Revoked the {certificate.track_title} certificate of {person.email}.",
                          forget=(f"revoke-reason-{certificate.code}",))


def _manage(actor: Actor, shown: PeoplePage, departments: list[str]) -> None:
    by_email = {p.email: p for p in shown.people}
    chosen_before = state.get(state.PEOPLE_CHOSEN)
    if chosen_before is not None and chosen_before not in by_email:
        # Keep managing the person chosen earlier while the table pages or searches on.
        person = find_person(resources.engine(), chosen_before, by=actor)
        if person is None:
            state.take(state.PEOPLE_CHOSEN)
        else:
            by_email = {person.email: person, **by_email}
    st.caption("Choose among the people on the page shown above; search to find someone else.")
    chosen = st.selectbox("Person", options=list(by_email), index=None, placeholder="Choose a person",
                          format_func=lambda e: f"{by_email[e].name} <{e}>", key=_PERSON)
    if chosen is None:
        return
    person = by_email[chosen]
    access, passphrase, privacy, certificates = st.tabs(
        ["Access", "Passphrase", "Privacy requests", "Certificates"])
    with access:
        _access(actor, person, departments)
    with passphrase:
        _passphrase(actor, person)
    with privacy:
        _privacy(actor, person)
    with certificates:
        _certificates(actor, person)


def render() -> None:
    """Draw the people page."""
    actor = auth.require_page(Page.ADMIN_PEOPLE)
    a11y.page("People")
    st.title("People", anchor=False)
    message = state.take(state.PEOPLE_FLASH)
    if message:
        st.success(literal(message))
    departments = list_departments(resources.engine(), by=actor)
    loaded = resources.course()
    roles = dict(loaded.course.info.roles) if loaded.course is not None else {}
    shown = _table(actor)
    st.header("Add a person", anchor=False)
    if loaded.course is None:
        st.warning("The course is unavailable, so no track can be chosen: add tracks later by roster import.")
    _add_form(actor, roles, departments)
    st.header("Invite people", anchor=False)
    _invite(actor)
    st.header("Manage a person", anchor=False)
    _manage(actor, shown, departments)


render()
