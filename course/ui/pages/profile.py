"""My literacy profile: a score per competency with its evidence, my certificates and my records."""

from __future__ import annotations

from html import escape

import streamlit as st

from course.charts import NOT_ASSESSED, Bar, profile_figure
from course.domain.model import Course
from course.domain.permissions import Page
from course.domain.scoring import CompetencyScore, EvidenceKind
from course.domain.wording import counted
from course.services.learner import get_pre_check, get_profile_and_practice
from course.ui import a11y, auth, resources, widgets
from course.ui.certificates_view import certificates_section, records_section
from course.ui.text import literal


def _evidence(course: Course, score: CompetencyScore) -> None:
    if not score.evidence:
        st.caption("No evidence yet: answer quiz questions or play a scenario that covers this.")
        return
    for item in score.evidence:
        if item.kind is EvidenceKind.ANSWER:
            quiz = course.quizzes.get(item.item_id)
            question = quiz.question(item.detail_id) if quiz else None
            stem = question.stem_html if question else escape(item.detail_id)
            mark = ":material/check:" if item.outcome >= 1 else ":material/close:"
            widgets.html(f"<p>{stem}</p>")
            st.caption(f"{mark} {'right' if item.outcome >= 1 else 'wrong'} · "
                       f"{literal(quiz.meta.title if quiz else item.item_id)} · {item.at:%d %b %Y}")
        else:
            scenario = course.scenarios.get(item.item_id)
            title = scenario.meta.title if scenario else item.item_id
            st.markdown(f":material/alt_route: Scenario **{literal(title)}** scored "
                        f"{widgets.percent(item.outcome)} ({item.at:%d %b %Y})")


def _summary(label: str, score: CompetencyScore, practised: CompetencyScore | None,
             pre_check: float | None = None) -> str:
    """Return a competency's line: its score and evidence counted, or "not yet assessed".

    Where the latest answers differ from the first, the score after practice follows; where the
    learner took the placement pre-check, its result follows. Neither is the score itself.
    """
    before = "" if pre_check is None else f" · pre-check {widgets.percent(pre_check)}"
    if not score.evidence:
        return f"{literal(label)}: {NOT_ASSESSED}{before}"
    after = ""
    if practised is not None and abs(practised.estimate - score.estimate) > 1e-9:
        after = f" · after practice {widgets.percent(practised.estimate)}"
    return (f"{literal(label)}: {widgets.percent(score.estimate)} · "
            f"{counted(score.answers, 'first answer', 'first answers')}, "
            f"{counted(score.runs, 'scenario run', 'scenario runs')}{after}{before}")


def render() -> None:
    """Draw the learner's literacy profile."""
    actor = auth.require_page(Page.PROFILE)
    course = resources.course().course
    a11y.page("My literacy profile")
    st.title("My literacy profile", anchor=False)
    if course is None:
        st.error("The course is unavailable right now.")
        return
    scores, practised = get_profile_and_practice(resources.engine(), actor, course)
    pre_check = get_pre_check(resources.engine(), actor)
    st.caption("Each score estimates how well you master a competency from your first answer to each "
               "question and your first complete run of each scenario; answering again after the "
               "feedback shows as \"after practice\" and does not change the score. The bar's "
               "whiskers show the uncertainty: with little evidence they are wide. A competency with "
               "no evidence yet is not yet assessed rather than scored. If you took the pre-check, "
               "its result is shown beside each score; it does not count in the score.")
    bars = [Bar(course.info.competencies.get(c, c), s.estimate, s.low, s.high, len(s.evidence))
            for c, s in scores.items()]
    st.plotly_chart(profile_figure(bars), config={"displayModeBar": False})
    for competency, score in scores.items():
        label = course.info.competencies.get(competency, competency)
        with st.expander(_summary(label, score, practised.get(competency), pre_check.get(competency))):
            _evidence(course, score)
    certificates_section(actor, course)
    records_section(actor)


render()
