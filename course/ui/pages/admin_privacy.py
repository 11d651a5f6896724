"""Privacy settings: the dashboards' minimum group and the filters leaders may use (admins only).

The service checks the permission and the floor again on saving, so a forged message changes
nothing; every change is audited as "privacy_settings_changed". Below them, "Learning records"
shows what the learning record store has been sent (read only when an LRS is configured).
"""

from __future__ import annotations

import streamlit as st

from course.domain.org_settings import LEADER_FILTERS, MIN_GROUP_FLOOR
from course.domain.permissions import Actor, Page
from course.services.learning_records import outbox_state
from course.services.org_settings import SettingsError, get_privacy, update_privacy
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
    _learning_records(actor)


def _learning_records(actor: Actor) -> None:
    """Show the xAPI outbox: waiting, sent and failing statements, the last error, the next try."""
    st.subheader("Learning records", anchor=False)
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
