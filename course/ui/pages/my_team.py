"""My team: a manager's reports, by name, and where each stands with their assignments.

Only people whom the roster names as someone's manager reach this page; the service reads the
team afresh on every rerun, so a report who moves to another manager leaves the page at once.
"""

from __future__ import annotations

import streamlit as st

from course.domain.assignments import Standing
from course.domain.permissions import Page
from course.services.assignments import TeamMember, my_team
from course.ui import a11y, auth, resources, tables
from course.ui.text import literal

COLUMNS = ("Name", "Email", "Assignment", "Due", "Standing", "Progress", "Round")
_ORDER = {Standing.OVERDUE: 0, Standing.DUE: 1, Standing.DONE: 2}


def _rows(team: list[TeamMember]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for member in team:
        for item in member.items:
            rows.append({"Name": member.name, "Email": member.email, "Assignment": item.title,
                         "Due": item.due_on.isoformat(), "Standing": item.standing.value,
                         "Progress": item.completion.value,
                         "Round": f"re-take {item.cycle}" if item.cycle else "first"})
    return sorted(rows, key=lambda r: (_ORDER[Standing(str(r["Standing"]))], str(r["Due"]), str(r["Name"])))


def _counts(team: list[TeamMember]) -> str:
    items = [item for member in team for item in member.items]
    overdue = sum(i.standing is Standing.OVERDUE for i in items)
    done = sum(i.standing is Standing.DONE for i in items)
    return (f"{len(team)} {'person reports' if len(team) == 1 else 'people report'} to you · "
            f"{len(items)} assignments: {overdue} overdue, {len(items) - overdue - done} due, {done} done")


def render() -> None:
    """Draw the manager's team page."""
    actor = auth.require_page(Page.MY_TEAM)
    a11y.page("My team")
    st.title("My team", anchor=False)
    course = resources.course().course
    if course is None:
        st.error("The course is unavailable right now: its manifest has problems. A trainer has been told.")
        return
    team = my_team(resources.engine(), actor, course)
    st.caption("The people who name you as their manager on the roster, and what is assigned to them: "
               "overdue first, then due, then done.")
    if not team:
        st.info("Nobody names you as their manager any more.")
        return
    st.markdown(literal(_counts(team)))
    rows = _rows(team)
    if rows:
        tables.show(rows, hide_index=True, width="stretch", column_order=COLUMNS)
    idle = [m.name for m in team if not m.items]
    if idle:
        st.caption("Nothing assigned to: " + ", ".join(literal(name) for name in idle))


render()
