"""Where a question's statistics come from: the content versions counted together, for the studio."""

from __future__ import annotations

import streamlit as st

from course.services.studio_stats import ItemReport
from course.ui.text import literal


def counted_caption(item: ItemReport) -> str:
    """Return one line saying since when, and over which versions, the question's answers are counted."""
    since = item.counted_since
    if since is None:
        return ""
    day = f"{since:%d %b %Y}"
    if item.changed:
        return (f"Counted since {day}, when this question last changed; earlier answers are under "
                "its older versions.")
    if len(item.pooled) > 1:
        return (f"Counted since {day}, over {len(item.pooled)} versions of the quiz file in which "
                "this question reads the same.")
    return f"Counted since {day}."


def show_history(item: ItemReport) -> None:
    """Show the caption and, behind an expander, each content version counted and its answers."""
    caption = counted_caption(item)
    if not caption:
        return
    st.caption(caption)
    with st.expander(f"Versions counted ({len(item.pooled)})"):
        for version in item.pooled:
            loaded = " (the one now loaded)" if version.current else ""
            st.caption(f"Version {literal(version.version)}{loaded}: {version.answers} "
                       f"answer{'' if version.answers == 1 else 's'}, the first on "
                       f"{version.first_answered:%d %b %Y}.")
        st.caption("A version is counted when this question's stem, options, right answers and kind "
                   "read exactly as now; edits elsewhere in the file do not restart its statistics. "
                   "Pick a version above to see its answers alone.")
