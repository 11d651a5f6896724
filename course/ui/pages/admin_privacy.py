"""Privacy settings: the dashboards' minimum group and the filters leaders may use (admins only).

The service checks the permission and the floor again on saving, so a forged message changes
nothing; every change is audited as "privacy_settings_changed".
"""

from __future__ import annotations

import streamlit as st

from course.domain.org_settings import LEADER_FILTERS, MIN_GROUP_FLOOR
from course.domain.permissions import Page
from course.services.org_settings import SettingsError, get_privacy, update_privacy
from course.ui import a11y, auth, resources

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


render()
