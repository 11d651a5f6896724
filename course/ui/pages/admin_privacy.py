"""Privacy settings: the dashboards' minimum group, the filters leaders may use, and when
reminder emails may reach people (admins only).

The services check the permission and the values again on saving, so a forged message changes
nothing; every change is audited ("privacy_settings_changed", "reminder_settings_changed").
Below them, "Learning records" shows what the learning record store has been sent (read only
when an LRS is configured).
"""

from __future__ import annotations

import streamlit as st

from course.domain.org_settings import LEADER_FILTERS, MIN_GROUP_FLOOR
from course.domain.permissions import Actor, Page
from course.services.learning_records import outbox_state
from course.services.org_settings import SettingsError, get_privacy, update_privacy
from course.services.reminder_settings import get_reminder_settings, update_reminder_settings
from course.ui import a11y, auth, resources
from course.ui.text import literal

FILTER_LABELS = {
    "departments": "Departments",
    "tracks": "Tracks",
    "competencies": "Competencies",
    "period": "Period (From / Until)",
}


def render() -> None:
    """Draw the privacy settings page."""
    actor = auth.require_page(Page.ADMIN_PRIVACY)
    engine = resources.engine()
    a11y.page("Privacy settings")
    st.title("Privacy settings", anchor=False)
    current = get_privacy(engine)
    st.caption(
        "These settings protect learners on the literacy dashboard, its exports and the studio's "
        "analysis. They belong to the organisation: course files cannot change them."
    )
    with st.form("privacy-settings"):
        size = st.number_input(
            "Minimum group size", min_value=MIN_GROUP_FLOOR, max_value=100, value=current.min_group_size,
            step=1, help=f"No figure counts a reporting cell (department, level and tracks) with fewer "
            f"learners than this; {MIN_GROUP_FLOOR} is the lowest allowed.",
        )
        filters = st.multiselect(
            "Filters leaders may use", list(LEADER_FILTERS), default=sorted(current.leader_filters,
                                                                             key=LEADER_FILTERS.index),
            format_func=FILTER_LABELS.__getitem__,
            help="Administrators can always use every filter.",
        )
        saved = st.form_submit_button("Save settings")
    if saved:
        try:
            update_privacy(engine, actor, min_group_size=int(size), leader_filters=filters)
        except SettingsError as problem:
            st.error(str(problem))
        else:
            st.success("Saved. Dashboards use the new settings from now on.")
    _reminder_form(actor)
    _learning_records(actor)


def _reminder_form(actor: Actor) -> None:
    """Draw the reminder rules: the organisation's time zone, quiet hours and daily cap."""
    engine = resources.engine()
    current = get_reminder_settings(engine)
    a11y.heading("Reminder emails", level=2)
    st.caption("Reminders before and on a due date, and notes to managers afterwards, are never "
               "queued in the quiet hours, and nobody receives more emails a day than the cap.")
    with st.form("reminder-settings"):
        zone = st.text_input("Time zone", value=current.time_zone, max_chars=60,
                             help="A name such as Europe/Paris, America/New_York or UTC.")
        start = st.number_input("Quiet hours start (hour, 0 to 23)", min_value=0, max_value=23,
                                value=current.quiet_start, step=1)
        end = st.number_input("Quiet hours end (hour, 0 to 23)", min_value=0, max_value=23,
                              value=current.quiet_end, step=1, help="The same hour twice: no quiet hours.")
        cap = st.number_input("Emails per person per day, at most", min_value=1, max_value=10,
                              value=current.daily_cap, step=1)
        saved = st.form_submit_button("Save reminder rules")
    if saved:
        try:
            update_reminder_settings(engine, actor, time_zone=zone.strip(), quiet_start=int(start),
                                     quiet_end=int(end), daily_cap=int(cap))
        except SettingsError as problem:
            st.error(str(problem))
        else:
            st.success("Saved. The next reminder run follows these rules.")


def _learning_records(actor: Actor) -> None:
    """Show the xAPI outbox: waiting, sent and failing statements, the last error, the next try."""
    a11y.heading("Learning records", level=2)
    lrs = resources.settings().lrs
    if not lrs.configured:
        st.caption("No learning record store is connected, so no xAPI statement is recorded. "
                   "See docs/integrations.md to connect one.")
        return
    state = outbox_state(resources.engine(), by=actor)
    st.caption(f"Statements go to {literal(lrs.endpoint)} through the job runner's send-xapi job. "
               "Learners appear there under a pseudonym, never their email.")
    waiting, sent, failing = st.columns(3)
    waiting.metric("Waiting", state.pending)
    sent.metric("Sent", state.sent)
    failing.metric("Failing", state.failing)
    if state.failing and state.last_error_at is not None:
        st.error(f"The last try, at {state.last_error_at:%Y-%m-%d %H:%M} UTC, failed:")
        st.text(state.last_error)  # the LRS's own words, shown as plain text
    if state.pending and state.next_try_at is not None:
        st.caption(f"Next try of the waiting statements: {state.next_try_at:%Y-%m-%d %H:%M} UTC.")


render()
