"""Studio statistics service: hand-computed results joined with the course, cached, trainers only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from course.content.loader import load_course
from course.domain.dashboard import Suppression
from course.domain.item_analysis import Flag
from course.domain.model import Course
from course.domain.org_settings import LEADER_FILTERS
from course.domain.permissions import Action
from course.services.org_settings import update_privacy
from course.services.permissions import PermissionDenied
from course.services.studio_stats import (
    ScenarioAnalytics,
    StatsCache,
    get_item_analysis,
    get_scenario_analytics,
)
from course.store.engine import read_session
from tests.conftest import TreeWriter
from tests.databases import MakePerson
from tests.studio_data import (
    NOW,
    QUIZ,
    R_BOTH,
    SCENARIO,
    write_more_departments,
    write_person,
    write_studio_data,
)
from tests.studio_data import _run as write_run


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
    assert [o.chosen for o in two.options] == [3, 2, 1]
    assert (one.stats.answers, one.stats.learners, one.stats.facility, one.stats.mean_seconds) == (
        4,
        3,
        0.5,
        13.0,
    )
    assert (one.stats.discrimination, two.stats.discrimination) == (1.0, 0.5)
    assert one.stats.point_biserial == pytest.approx(R_BOTH) and two.stats.point_biserial == pytest.approx(
        R_BOTH
    )
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
    result = get_scenario_analytics(data, trainer, course, scenario_id=SCENARIO, now=NOW)
    assert (result.title, result.runs, result.finished, result.learners) == ("First day", 4, 2, 3)
    assert [(c.node_title, c.label, c.target_node, c.steps, c.mean_seconds) for c in result.choices] == [
        ("09:00 - a complaint", "Reply", "good-end", 1, 2.0),
        ("09:00 - a complaint", "Reply", "start", 2, 5.0),
        ("09:00 - a complaint", "Ignore", "bad-end", 1, 3.0),
    ]
    # cy's looping run stopped ten days ago; the run without a step (at the start node) a day ago.
    assert result.abandoned == (("start", "09:00 - a complaint", 1),)
    assert result.in_progress == (("start", "09:00 - a complaint", 1),)
    assert result.quits == (("start", "09:00 - a complaint", 2),)
    assert result.loops == (("start", "09:00 - a complaint", 1),) and result.looping_runs == 1
    assert result.endings == (("bad", "bad-end", "It spread", 1), ("good", "good-end", "Resolved", 1))
    assert result.decision_time == (("start", "09:00 - a complaint", 4, 3.75),)
    # With the course's minimum group of 5, both departments are too small to show on their own.
    assert (result.departments, result.hidden_departments) == ((), ("hr", "legal"))
    assert (result.suppression, result.min_group_size) == (Suppression.SHOWN, 5)
    later = get_scenario_analytics(data, trainer, course, scenario_id=SCENARIO, now=NOW + timedelta(days=7))
    assert later.abandoned == (("start", "09:00 - a complaint", 2),) and later.in_progress == ()


def test_a_hidden_department_shows_nothing(data: Engine, course: Course, make_person: MakePerson) -> None:
    trainer = make_person("t@x.org", capabilities="trainer")
    hr = get_scenario_analytics(
        data, trainer, course, scenario_id=SCENARIO, department="hr", cache=StatsCache(), now=NOW
    )
    assert (hr.department, hr.suppression, hr.runs, hr.learners) == ("hr", Suppression.SMALL_GROUP, 0, 0)
    assert (hr.choices, hr.abandoned, hr.in_progress, hr.loops, hr.endings, hr.decision_time) == ((),) * 6
    assert hr.hidden_departments == ("hr", "legal")


@pytest.fixture
def small_groups(write_tree: TreeWriter, engine: Engine, make_person: MakePerson) -> Course:
    """The course, in an organisation whose minimum group is 3 (the lowest an admin may set)."""
    loaded = load_course(write_tree()).course
    assert loaded is not None
    update_privacy(engine, make_person("admin@x.org", capabilities="admin"), min_group_size=3,
                   leader_filters=LEADER_FILTERS)
    return loaded


def test_departments_are_suppressed_as_on_the_dashboard(
    engine: Engine, small_groups: Course, make_person: MakePerson
) -> None:
    version = small_groups.scenarios[SCENARIO].meta.version
    write_studio_data(engine, scenario_version=version)
    write_more_departments(engine, scenario_version=version)
    ivy = write_person(engine, "ivy", "ops")  # a third learner of ops
    write_run(engine, ivy, version, [("start", 0, "good-end", 5.0)], ("good-end", "good"))
    trainer = make_person("t@x.org", capabilities="trainer", department="training")

    def analytics(department: str | None) -> ScenarioAnalytics:
        return get_scenario_analytics(
            engine, trainer, small_groups, scenario_id=SCENARIO, department=department, now=NOW
        )

    everyone = analytics(None)
    # hr (1 learner) and legal (2) are below 3.
    assert everyone.departments == (("it", 3), ("ops", 3))
    assert everyone.hidden_departments == ("hr", "legal")
    assert (everyone.runs, everyone.finished, everyone.learners, everyone.hidden_rows) == (11, 8, 9, 0)
    assert [(c.target_node, c.steps, c.learners) for c in everyone.choices] == [
        ("good-end", 7, 7),
        ("start", 2, 1),
        ("bad-end", 1, 1),
    ]
    assert everyone.abandoned == (("start", "09:00 - a complaint", 2),)
    legal = analytics("legal")
    assert (legal.suppression, legal.runs, legal.choices) == (Suppression.SMALL_GROUP, 0, ())
    it = analytics("it")
    assert (it.suppression, it.runs, it.finished, it.learners) == (Suppression.SHOWN, 4, 3, 3)
    # good-end was chosen by ada (legal, hidden), 3 of it and 3 of ops: it is hidden with legal,
    # or legal could be worked out from the total.
    assert [(c.target_node, c.steps, c.learners) for c in it.choices] == []
    assert it.endings == ()
    # dee's abandoned run is the only one of it at the start, beside cy's (hr): both are hidden,
    # as are it's good-end choice and ending.
    assert (it.abandoned, it.in_progress, it.hidden_rows) == ((), (), 3)
    ops = analytics("ops")
    assert (ops.suppression, ops.runs, ops.learners) == (Suppression.SHOWN, 3, 3)


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
