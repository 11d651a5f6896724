"""Assignments: assign a track, module or scenario to people by rule, follow it, end it.

Admins assign to anyone; leaders only within the departments they lead. The service checks
both again when the form is sent, so a forged message changes nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import streamlit as st

from course.domain.assignments import AssignmentError, Plan, Rule, TargetKind
from course.domain.model import Course
from course.domain.permissions import Actor, Page
from course.services.assignments import (
    AssignmentSummary,
    assignable_departments,
    create_assignment,
    end_assignment,
    list_assignments,
)
from course.services.permissions import PermissionDenied
from course.ui import a11y, auth, resources, tables
from course.ui.text import literal

COLUMNS = ("Assignment", "What", "Who", "Starts", "Due", "Re-take", "Enrolled", "Done", "In progress",
           "Overdue", "Status")
_KIND_LABELS = {TargetKind.TRACK: "A track", TargetKind.MODULE: "A module", TargetKind.SCENARIO: "A scenario"}


def _targets(course: Course, kind: TargetKind) -> dict[str, str]:
    """Return the ids and titles of what can be assigned of this kind."""
    if kind is TargetKind.TRACK:
        return dict(course.info.roles)
    if kind is TargetKind.MODULE:
        return {item_id: item.meta.title for item_id, item in sorted(course.modules.items())}
    return {item_id: item.meta.title for item_id, item in sorted(course.scenarios.items())}


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text) if part]


def _form(actor: Actor, course: Course) -> None:
    engine = resources.engine()
    kind = TargetKind(st.radio("What to assign", list(TargetKind), format_func=lambda k: _KIND_LABELS[k],
                               horizontal=True, key="assign-kind") or TargetKind.TRACK)
    targets = _targets(course, kind)
    with st.form("new-assignment"):
        target = st.selectbox("Which one", list(targets), format_func=targets.__getitem__,
                              key="assign-target")
        departments = st.multiselect("Departments", assignable_departments(engine, actor),
                                     key="assign-departments")
        tracks = st.multiselect("Tracks", list(course.info.roles), format_func=course.info.roles.__getitem__,
                                key="assign-tracks", help="People following any of these tracks.")
        levels = st.text_input("Management levels", key="assign-levels",
                               help="Levels as the roster writes them, separated by commas.")
        named = st.text_area("Named people", key="assign-named",
                             help="Email addresses, one per line: assigned whatever the rules above say.")
        today = datetime.now(UTC).date()
        left, middle, right = st.columns(3)
        starts = left.date_input("Starts on", value=today, key="assign-starts")
        due = middle.date_input("Due on", value=today + timedelta(days=30), key="assign-due")
        retake = right.number_input("Re-take every (months, 0 for never)", min_value=0, max_value=120,
                                    value=0, step=1, key="assign-retake")
        sent = st.form_submit_button("Assign", key="assign-submit")
    if not sent:
        return
    rule = Rule.of(departments=departments, tracks=tracks, levels=levels.split(","), emails=_split(named))
    plan = Plan(kind, str(target), rule, starts, due, int(retake) or None)
    try:
        created = create_assignment(engine, actor, course, plan)
    except (AssignmentError, PermissionDenied) as problem:
        st.error(literal(str(problem)))
        return
    st.success(f"Assigned to {created.enrolled} people. Their welcome emails are on their way; people who "
               "match later are enrolled when they are imported or sign in.")


def _row(summary: AssignmentSummary) -> dict[str, object]:
    return {"Assignment": summary.id, "What": summary.title, "Who": summary.rule.describe(),
            "Starts": summary.starts_on.isoformat(), "Due": summary.due_on.isoformat(),
            "Re-take": f"every {summary.retake_months} months" if summary.retake_months else "never",
            "Enrolled": summary.enrolled, "Done": summary.done, "In progress": summary.in_progress,
            "Overdue": summary.overdue, "Status": "ended" if summary.ended else "running"}


def _list(actor: Actor, course: Course) -> None:
    engine = resources.engine()
    summaries = list_assignments(engine, actor, course)
    if not summaries:
        st.info("Nothing is assigned yet.")
        return
    tables.show([_row(s) for s in summaries], hide_index=True, width="stretch", column_order=COLUMNS)
    running = {s.id: f"{s.id}: {s.title}, due {s.due_on.isoformat()}" for s in summaries if not s.ended}
    if not running:
        return
    with st.form("end-assignment"):
        chosen = st.selectbox("Assignment to end", list(running), format_func=running.__getitem__,
                              key="assign-end-choice")
        ended = st.form_submit_button("End assignment", key="assign-end")
    if ended:
        try:
            end_assignment(engine, actor, int(chosen))
        except (AssignmentError, PermissionDenied) as problem:
            st.error(literal(str(problem)))
        else:
            st.success("Ended: nobody more is enrolled, and it leaves learners' homes.")


def render() -> None:
    """Draw the assignments page."""
    actor = auth.require_page(Page.ADMIN_ASSIGNMENTS)
    a11y.page("Assignments")
    st.title("Assignments", anchor=False)
    course = resources.course().course
    if course is None:
        st.error("The course is unavailable right now: its manifest has problems. A trainer has been told.")
        return
    st.caption("Assign part of the course to people by department, track, level or name, with a due date. "
               "Counts show where the enrolled people stand today.")
    st.header("Current assignments", anchor=False)
    _list(actor, course)
    st.header("New assignment", anchor=False)
    _form(actor, course)


render()
