"""My team: a manager's reports, by name, and where each stands with their assignments.

Only people whom the roster names as someone's manager reach this page; the service reads the
team afresh on every rerun, so a report who moves to another manager leaves the page at once.
"""

from __future__ import annotations

import streamlit as st

from course.domain.assignments import Standing
from course.domain.permissions import Page
from course.domain.wording import counted
from course.services.assignments import DueItem, TeamMember, my_team, team_member
from course.services.permissions import PermissionDenied
from course.ui import a11y, auth, resources
from course.ui.text import literal

_ORDER = {Standing.OVERDUE: 0, Standing.DUE: 1, Standing.DONE: 2}
_ICONS = {Standing.OVERDUE: ":material/warning:", Standing.DUE: ":material/event:",
          Standing.DONE: ":material/check_circle:"}


def _urgency(member: TeamMember) -> tuple[int, str]:
    """Sort key: people with something overdue first, then something due, then all done; by name."""
    worst = min((_ORDER[i.standing] for i in member.items), default=len(_ORDER))
    return worst, member.name.casefold()


def _line(item: DueItem) -> str:
    when = "was due" if item.standing is Standing.OVERDUE else "due"
    day = f"{item.due_on:%d %B %Y}".lstrip("0")
    retake = f" · re-take {item.cycle}" if item.cycle else ""
    return (f"{_ICONS[item.standing]} {literal(item.title)}: {item.standing.value} · {when} {day} · "
            f"{item.completion.value}{retake}")


def _member(member: TeamMember) -> None:
    with st.container(border=True):
        st.markdown(f"**{literal(member.name)}** · {literal(member.email)}")
        if not member.items:
            st.caption("Nothing assigned.")
        for item in member.items:
            st.markdown(_line(item))


def _counts(team: list[TeamMember]) -> str:
    items = [item for member in team for item in member.items]
    overdue = sum(i.standing is Standing.OVERDUE for i in items)
    done = sum(i.standing is Standing.DONE for i in items)
    return (f"{counted(len(team), 'person reports', 'people report')} to you · "
            f"{counted(len(items), 'assignment', 'assignments')}: {overdue} overdue, "
            f"{len(items) - overdue - done} due, {done} done")


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
    names = {m.person_id: f"{m.name} ({m.email})" for m in sorted(team, key=_urgency)}
    chosen = st.selectbox("Show", [0, *names], format_func=lambda pid: names.get(pid, "Everyone"),
                          key="team-person")
    if chosen:
        try:  # asked again on the server: a forged choice naming someone else is refused and audited
            team = [team_member(resources.engine(), actor, course, int(chosen))]
        except PermissionDenied:
            st.error("That person is not one of your reports.")
            return
    for member in sorted(team, key=_urgency):
        _member(member)

render()
