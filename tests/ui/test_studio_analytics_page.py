"""The studio analytics page: trainers see item and scenario statistics; learners and leaders are refused."""

from __future__ import annotations

import re

import pytest

from course.content.loader import load_course
from course.domain.model import Question, QuestionKind
from course.domain.permissions import Page
from course.services.seed import SEED_DOMAIN
from course.settings import BUNDLED_ROOT
from course.ui import links
from tests.ui.conftest import AppFactory

SCRIPT = "course/ui/pages/studio_analytics.py"


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the page as the lead will register it in course/ui/links.py."""
    monkeypatch.setitem(
        links.PAGES,
        Page.STUDIO_ANALYTICS,
        links.PageLink(SCRIPT, "Learning from learners", ":material/query_stats:", True),
    )


def _text(at: object) -> str:
    parts = []
    for kind in ("markdown", "caption", "title", "header", "metric", "info", "warning"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_a_trainer_sees_the_questions_worst_first_with_their_files(app: AppFactory) -> None:
    at = app(as_demo="trainer", learners=16)
    at.switch_page(SCRIPT).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Learning from learners"]
    assert [h.value for h in at.header] == ["Quiz questions", "Scenario decisions"]
    table = at.dataframe[0].value
    # Few enough columns to fit 1440 px; groups, time and the file are in the details below.
    assert list(table.columns) == ["Quiz", "Question", "Flags", "Answers", "Right", "Discrimination",
                                   "Point-biserial"]
    text = _text(at)
    assert "How often each option was chosen" in text and "Written at `quizzes/" in text
    # Each statistic is explained on the page, with the method one click away; no pointer to a
    # file a browser cannot open.
    for said in ("**Right (facility)** is the share of answers", "**Discrimination** asks whether",
                 "**Point-biserial** says the same", "**Flags** point at questions"):
        assert said in text
    assert "How each figure is computed" in [e.label for e in at.expander]
    assert "Point-biserial (item-rest)" in text and "docs/studio.md" not in text
    assert {"Top 27% right", "Bottom 27% right", "Learners"} <= {m.label for m in at.metric}
    assert "Counted since " in text  # where the statistics come from, versions behind an expander
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    for scenario in sorted(course.scenarios):  # the first one somebody played
        at.selectbox(key="scenario-id").set_value(scenario).run()
        if "Nobody has played" not in _text(at):
            break
    text = _text(at)
    assert "Mean seconds from seeing a node to choosing" in text
    assert "still being played (" in text or "reached an ending" in text
    assert SEED_DOMAIN not in text
    assert len(at.get("plotly_chart")) >= 1


def test_a_trainer_filters_by_quiz_and_orders_the_table(app: AppFactory) -> None:
    at = app(as_demo="trainer", learners=16)
    at.switch_page(SCRIPT).run()
    quiz = str(at.dataframe[0].value["Quiz"].iloc[0])  # a quiz with answers
    at.selectbox(key="items-quiz").set_value(quiz).run()
    at.radio(key="items-order").set_value("Lowest facility").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert set(table["Quiz"]) == {quiz}
    facility = [float(str(r).rstrip("%")) for r in table["Right"] if str(r) != "–"]
    assert facility and facility == sorted(facility)


def test_scenario_figures_for_one_department_and_small_ones_left_out(app: AppFactory) -> None:
    at = app(as_demo="trainer", learners=40)
    at.switch_page(SCRIPT).run()
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    departments: list[str] = []
    for scenario in sorted(course.scenarios):  # one that a department of 5 or more played
        at.selectbox(key="scenario-id").set_value(scenario).run()
        departments = [d for d in at.selectbox(key="scenario-department").options if d != "All departments"]
        if departments:
            break
    assert departments, "no department has 5 learners on any scenario"
    at.selectbox(key="scenario-department").set_value(departments[0]).run()
    assert not at.exception, at.exception
    text = _text(at)
    assert f"of the {departments[0]} department" in text
    assert "department(s) are not listed" in text  # 40 learners over 7 departments: some are small


@pytest.mark.parametrize("person", ["legal.learner", "leader"])
def test_learners_and_leaders_are_refused(app: AppFactory, person: str) -> None:
    at = app(as_demo=person)
    at.switch_page(SCRIPT).run()
    assert [e.value for e in at.error] == ["You do not have access to this page."]
    assert not at.dataframe and not at.title


def test_an_ordering_or_matching_question_shows_each_position_or_pair(app: AppFactory) -> None:
    at = app(as_demo="trainer", learners=30)
    at.switch_page(SCRIPT).run()
    details = at.selectbox(key="items-detail")
    shown = [o for o in details.options if o.endswith(("lac-saturday-sequence", "lf-route-what-you-hear"))]
    assert shown, "the seeded learners answered no ordering or matching question"
    details.set_value(shown[0]).run()
    assert not at.exception, at.exception
    parts = at.dataframe[1].value
    assert list(parts.columns) == ["Position or pair", "Right", "Answers"] and len(parts) >= 4
    assert "How often each position (ordering) or pair (matching) was right" in _text(at)
    assert "How often each option was chosen" not in _text(at)
    assert "nts-your-exceptions" not in " ".join(details.options)  # reflections have no statistics


def _question(question_id: str) -> Question:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    return next(q for quiz in course.quizzes.values() for q in quiz.questions if q.id == question_id)


def test_each_position_or_pair_is_named_counted_and_never_below_the_fully_right_share(
        app: AppFactory) -> None:
    at = app(as_demo="trainer", learners=40)
    at.switch_page(SCRIPT).run()
    details = at.selectbox(key="items-detail")
    shown = {o.rsplit(" ", 1)[-1]: o for o in details.options
             if o.endswith(("lac-saturday-sequence", "lf-route-what-you-hear"))}
    # Which of the two the seeded learners reach depends on their draws and on the calendar (the
    # release weeks); at least one must be there, and every one shown is checked.
    assert shown, "the seeded learners answered neither the ordering nor the matching question"
    for question_id, option in shown.items():
        details.set_value(option).run()
        assert not at.exception, at.exception
        question = _question(question_id)
        parts = at.dataframe[1].value
        if question.kind is QuestionKind.ORDER:
            expected = [f"position {e.index + 1}: {e.text}" for e in question.items]
        else:
            expected = [f"{e.text} → {e.match_text}" for e in question.items]
        # One row per position or pair, in the file's order, whatever order learners saw.
        assert list(parts["Position or pair"]) == expected
        answers = int(re.search(r"out of (\d+) answers", _text(at))[1])  # type: ignore[index]
        assert answers > 0 and set(parts["Answers"]) == {answers}  # every answer marks every part
        # A fully right answer has every part right, so no part can be right less often.
        (fully,) = [m.value for m in at.metric if m.label == "Right"]
        assert all(_share(right) >= _share(fully) for right in parts["Right"]), (question_id, fully, parts)
        # Whether parts differ depends on which wrong orders the seeded learners drew (a rotation
        # moves every part); tests/services/test_question_kinds.py checks distinct shares exactly.


def _share(text: str) -> int:
    assert re.fullmatch(r"\d{1,3}%", text), text
    return int(text.rstrip("%"))
