"""The dashboard's first screen: the whole answer for an executive, above the fold at 1440x900.

It draws a `FirstScreen` (course/services/dashboard/summary.py): the literacy score with its
change since the last period, participation, a status per department against the target the
administrator set (in words and colour, never colour alone), and what to train next, each
with one link. No change is shown in neutral grey without an arrow.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from course.domain.permissions import Page
from course.domain.targets import AMBER_POINTS, STATUS_COLOURS, Status
from course.services.dashboard.summary import FirstScreen, change_words, percent
from course.ui.links import script
from course.ui.text import literal

#: The icon beside each status's words.
_ICONS = {Status.ON_TARGET: ":material/check_circle:", Status.CLOSE: ":material/error:",
          Status.BELOW: ":material/cancel:", Status.HIDDEN: ":material/visibility_off:"}
#: The query parameter a "what to train next" link sets: the competency to drill into.
COMPETENCY_PARAM = "competency"


def _change(screen: FirstScreen) -> tuple[str | None, bool]:
    """Return the change as the metric shows it, and whether it is a real rise or fall."""
    if screen.change_points is None:
        return None, False
    if screen.change_points == 0:
        return "No change", False
    unit = "point" if abs(screen.change_points) == 1 else "points"
    return f"{screen.change_points:+d} {unit}", True


def headline(screen: FirstScreen, report: Callable[[], bytes], *, file_name: str) -> None:
    """Draw the score, its change, participation and the target, and the board report button."""
    score, participation, target, button = st.columns([1.2, 1, 0.8, 1], vertical_alignment="center")
    delta, moved = _change(screen)
    score.metric("Literacy score", percent(screen.score), delta, delta_color="normal" if moved else "off",
                 delta_arrow="auto" if moved else "off",
                 help=change_words(screen.change_points, screen.previous_days))
    who = ("" if screen.participants is None
           else f"{screen.participants} of {screen.learners or '–'} learners have answered")
    participation.metric("Participation", percent(screen.participation), help=who or None)
    target.metric("Target", f"{screen.target}%", help="Set by an administrator.")
    button.download_button("Board report (PDF)", report, file_name=file_name, mime="application/pdf",
                           key="download-report", type="primary", icon=":material/picture_as_pdf:",
                           on_click="ignore")
    said = change_words(screen.change_points, screen.previous_days)
    st.caption(f"{said}. The literacy score is how well learners answer the course's questions the first "
               f"time, averaged over competencies{'; ' + who if who else ''}. Groups of fewer than "
               f"{screen.min_group_size} learners are never shown.")


def method() -> None:
    """Explain, one click away, how the figures are made."""
    with st.expander("How these figures are made"):
        st.markdown(
            "- **Literacy score**: for each competency, the share of questions learners answer well on "
            "their first answer, estimated so that a handful of answers does not swing it; the score "
            "is the average over the competencies in view.\n"
            "- **Change**: the same score, computed as it stood the chosen number of days earlier.\n"
            "- **Participation**: learners in view who have answered at least one question, out of all "
            "learners in view.\n"
            f"- **Status**: on target at or above the target, close within {AMBER_POINTS} points below "
            "it, below target further down.\n"
            "- **Privacy**: no figure rests on a group smaller than the minimum your administrator set, "
            "and figures that would let such a group be worked out are hidden too. Answers count in "
            "weekly releases."
        )


def statuses(screen: FirstScreen, *, per_row: int = 4) -> None:
    """Show each department's score and status against the target, in words and colour."""
    st.header("Status by department", anchor=False)
    if not screen.departments:
        st.caption("No department is in your view yet.")
        return
    for start in range(0, len(screen.departments), per_row):
        columns = st.columns(per_row)
        for column, department in zip(columns, screen.departments[start:start + per_row], strict=False):
            status = department.status
            score = "" if department.score is None else f" {percent(department.score)}"
            column.markdown(f"**{literal(department.department)}**{score}  \n"
                            f":{STATUS_COLOURS[status]}-badge[{_ICONS[status]} {status.value}]")


def train_next(screen: FirstScreen, *, links: bool) -> None:
    """Name the weakest competencies in plain words, each with one link to its drill-down."""
    st.header("What to train next", anchor=False)
    if not screen.train_next:
        st.caption(f"No competency has first answers from {screen.min_group_size} or more learners yet.")
        return
    for column, item in zip(st.columns(len(screen.train_next)), screen.train_next, strict=True):
        assign = (f"Assign *{literal(item.module_title)}*." if item.module_title
                  else "No module teaches it yet.")
        column.markdown(f"**{literal(item.title)}**: {percent(item.score)} across {item.learners} learners. "
                        f"{assign}")
        if links:
            column.page_link(script(Page.DASHBOARD), label=f"See {item.title} by department",
                             query_params={COMPETENCY_PARAM: item.competency}, icon=":material/zoom_in:")


def everything_hidden(screen: FirstScreen) -> None:
    """Say, in a sentence, why nothing is shown when every group is too small."""
    st.info(f"Every group in this view has fewer than {screen.min_group_size} learners with first answers, "
            "so no score is shown: showing one would point at individuals. Widen the filters or the "
            "period, or wait until more learners have answered.", icon=":material/visibility_off:")
