"""Studio statistics service: hand-computed results joined with the course, cached, trainers only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from course.content.loader import load_course
from course.domain.item_analysis import Flag
from course.domain.model import Course
from course.domain.permissions import Action
from course.services.permissions import PermissionDenied
from course.services.studio_stats import StatsCache, get_item_analysis, get_scenario_analytics
from course.store.engine import read_session
from tests.conftest import TreeWriter
from tests.databases import MakePerson
from tests.studio_data import QUIZ, R_BOTH, SCENARIO, write_studio_data


@pytest.fixture
def course(write_tree: TreeWriter) -> Course:
    loaded = load_course(write_tree()).course
    assert loaded is not None
    return loaded


@pytest.fixture
def data(engine: Engine, course: Course) -> Engine:
    write_studio_data(
        engine,
        quiz_version=course.quizzes[QUIZ].meta.version,
        scenario_version=course.scenarios[SCENARIO].meta.version,
    )
    return engine


def test_item_analysis_of_the_current_version(data: Engine, course: Course, make_person: MakePerson) -> None:
    trainer = make_person("t@x.org", capabilities="trainer")
    analysis = get_item_analysis(data, trainer, course)
    current = course.quizzes[QUIZ].meta.version
    assert {(q, v, n, now) for q, v, n, now in analysis.versions} == {
        (QUIZ, "old", 1, False),
        (QUIZ, current, 4, True),
    }
    by_id = {i.question_id: i for i in analysis.items}
    one, two = by_id["q-one"], by_id["q-two"]
    assert (one.version, one.current, one.quiz_title) == (current, True, "Introduction check")
    assert (
        one.source == course.quizzes[QUIZ].meta.source and one.line == course.quizzes[QUIZ].questions[0].line
    )
    assert one.location == f"{one.source}:{one.line}" and one.stem == "What comes first?"
    assert [(o.text, o.correct, o.chosen) for o in one.options] == [
        ("Listen", True, 2),
        ("Broadcast", False, 2),
    ]
    assert [o.chosen for o in two.options] == [4, 2, 1]
    assert (one.stats.answers, one.stats.learners, one.stats.facility, one.stats.mean_seconds) == (
        4,
        3,
        0.5,
        13.0,
    )
    assert (one.stats.discrimination, two.stats.discrimination) == (1.0, 0.0)
    assert one.stats.point_biserial == pytest.approx(R_BOTH)
    assert one.stats.flags == (Flag.TOO_FEW_ANSWERS,)


def test_an_older_version_is_analysed_on_request(
    data: Engine, course: Course, make_person: MakePerson
) -> None:
    trainer = make_person("t@x.org", capabilities="trainer")
    analysis = get_item_analysis(data, trainer, course, quiz_id=QUIZ, version="old")
    assert [
        (i.question_id, i.version, i.current, i.stats.answers, i.stats.facility) for i in analysis.items
    ] == [("q-one", "old", False, 1, 1.0)]
    assert get_item_analysis(data, trainer, course, quiz_id="nothing").items == ()


def test_results_are_cached_until_learner_work_changes(
    data: Engine, course: Course, make_person: MakePerson
) -> None:
    admin = make_person("a@x.org", capabilities="admin")
    cache = StatsCache()
    first = get_item_analysis(data, admin, course, cache=cache)
    assert get_item_analysis(data, admin, course, cache=cache) is first and cache.hits == 1
    write_studio_data(
        data, quiz_version=course.quizzes[QUIZ].meta.version, suffix="2"
    )  # more attempts: a new data version
    again = get_item_analysis(data, admin, course, cache=cache)
    assert again is not first and {i.stats.answers for i in again.items} == {8}


def test_scenario_analytics(data: Engine, course: Course, make_person: MakePerson) -> None:
    trainer = make_person("t@x.org", capabilities="trainer")
    result = get_scenario_analytics(data, trainer, course, scenario_id=SCENARIO)
    assert (result.title, result.runs, result.finished, result.learners) == ("First day", 4, 2, 3)
    assert [(c.node_title, c.label, c.target_node, c.steps, c.mean_seconds) for c in result.choices] == [
        ("09:00 - a complaint", "Reply", "good-end", 1, 2.0),
        ("09:00 - a complaint", "Reply", "start", 2, 5.0),
        ("09:00 - a complaint", "Ignore", "bad-end", 1, 3.0),
    ]
    assert result.quits == (("start", "09:00 - a complaint", 2),)
    assert result.loops == (("start", "09:00 - a complaint", 1),) and result.looping_runs == 1
    assert result.endings == (("bad", "bad-end", "It spread", 1), ("good", "good-end", "Resolved", 1))
    assert result.decision_time == (("start", "09:00 - a complaint", 4, 3.75),)
    assert result.departments == (("hr", 1), ("legal", 2))
    hr = get_scenario_analytics(
        data, trainer, course, scenario_id=SCENARIO, department="hr", cache=StatsCache()
    )
    assert (hr.runs, hr.finished, hr.endings, hr.department) == (2, 0, (), "hr")


@pytest.mark.parametrize("capabilities", ["learner", "leader"])
def test_learners_and_leaders_are_refused_and_audited(
    data: Engine, course: Course, make_person: MakePerson, capabilities: str
) -> None:
    actor = make_person("x@x.org", capabilities=capabilities)
    with pytest.raises(PermissionDenied):
        get_item_analysis(data, actor, course)
    with pytest.raises(PermissionDenied):
        get_scenario_analytics(data, actor, course, scenario_id=SCENARIO)
    with read_session(data) as session:
        denied = (
            session.connection()
            .execute(
                text(
                    "SELECT COUNT(*) FROM audit_event "
                    "WHERE kind = 'action_denied' AND target = :t AND actor_id = :a"
                ),
                {"t": Action.VIEW_ITEM_STATS.value, "a": actor.person_id},
            )
            .scalar_one()
        )
    assert denied == 2
