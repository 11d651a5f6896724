"""Studio statistics queries against hand-computed aggregates (tests/studio_data.py), on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from course.domain.item_analysis import analyse
from course.store import item_stats
from course.store.engine import read_session
from tests.studio_data import QUIZ, R_BOTH, SCENARIO, write_studio_data


@pytest.fixture
def data(engine: Engine) -> Engine:
    write_studio_data(engine)
    return engine


def test_versions_with_data_are_listed_with_their_counts(data: Engine) -> None:
    with read_session(data) as session:
        assert [(r.item_id, r.version, r.count) for r in item_stats.list_quiz_versions(session)] == [
            (QUIZ, "old", 1),
            (QUIZ, "v1", 4),
        ]
        assert [(r.item_id, r.version, r.count) for r in item_stats.list_scenario_versions(session)] == [
            (SCENARIO, "v1", 4)
        ]


def test_upper_and_lower_groups_start_at_the_27_percent_edges(data: Engine) -> None:
    with read_session(data) as session:
        cuts = item_stats.attempt_cuts(session, pairs=[(QUIZ, "v1")])
    cut = cuts[(QUIZ, "v1")]
    # Ranked A1 (1.0), A2 (0.5), A3 (0.5), A4 (0.0): the upper group ends at A2, the lower starts at A3.
    assert (cut.upper_score, cut.lower_score) == (0.5, 0.5)
    assert cut.upper_id < cut.lower_id


def test_question_counts_match_the_hand_computation(data: Engine) -> None:
    with read_session(data) as session:
        rows = item_stats.question_counts(session, pairs=[(QUIZ, "v1")], positions=3)
    by_id = {r.question_id: r for r in rows}
    assert sorted(by_id) == ["q-one", "q-two"] and {r.version for r in rows} == {"v1"}
    one, two = by_id["q-one"].counts, by_id["q-two"].counts
    assert (one.answers, one.learners, one.correct, one.seconds) == (4, 3, 2, 52.0)
    assert (one.upper_answers, one.upper_correct, one.lower_answers, one.lower_correct) == (2, 2, 2, 0)
    assert (two.answers, two.learners, two.correct, two.seconds) == (4, 3, 2, 92.0)
    assert (two.upper_answers, two.upper_correct, two.lower_answers, two.lower_correct) == (2, 1, 2, 1)
    assert by_id["q-one"].chosen == {0: 2, 1: 2}
    assert by_id["q-two"].chosen == {0: 4, 1: 2, 2: 1}
    first, second = analyse(one), analyse(two)
    assert (first.facility, first.mean_seconds, first.discrimination) == (0.5, 13.0, 1.0)
    assert (second.facility, second.mean_seconds, second.discrimination) == (0.5, 23.0, 0.0)
    assert first.point_biserial == pytest.approx(R_BOTH) and second.point_biserial == pytest.approx(R_BOTH)


def test_every_version_is_counted_apart_when_no_filter_is_given(data: Engine) -> None:
    with read_session(data) as session:
        rows = item_stats.question_counts(session, positions=12)  # two-digit positions: exact patterns
    cells = {(r.version, r.question_id): (r.counts.answers, r.counts.correct, r.chosen) for r in rows}
    assert cells == {
        ("old", "q-one"): (1, 1, {0: 1}),
        ("v1", "q-one"): (4, 2, {0: 2, 1: 2}),
        ("v1", "q-two"): (4, 2, {0: 4, 1: 2, 2: 1}),
    }


def test_scenario_counts_match_the_hand_computation(data: Engine) -> None:
    with read_session(data) as session:
        counts = item_stats.scenario_counts(session, scenario_id=SCENARIO, version="v1")
        departments = item_stats.scenario_departments(session, scenario_id=SCENARIO, version="v1")
    assert (counts.runs, counts.finished, counts.learners) == (4, 2, 3)
    assert [
        (c.node_id, c.choice_index, c.target_node, c.steps, c.learners, c.seconds) for c in counts.choices
    ] == [
        ("start", 0, "good-end", 1, 1, 2.0),
        ("start", 0, "start", 2, 1, 10.0),
        ("start", 1, "bad-end", 1, 1, 3.0),
    ]
    assert counts.quits == (("", 1), ("start", 1))
    assert (counts.loops, counts.looping_runs) == ((("start", 1),), 1)
    assert counts.endings == (("bad", "bad-end", 1), ("good", "good-end", 1))
    assert departments == [("hr", 1), ("legal", 2)]


def test_scenario_counts_by_department(data: Engine) -> None:
    with read_session(data) as session:
        hr = item_stats.scenario_counts(session, scenario_id=SCENARIO, version="v1", department="hr")
        legal = item_stats.scenario_counts(session, scenario_id=SCENARIO, version="v1", department="legal")
        other = item_stats.scenario_counts(session, scenario_id=SCENARIO, version="v0")
    assert (hr.runs, hr.finished, hr.learners, hr.endings, hr.looping_runs) == (2, 0, 1, (), 1)
    assert [(c.node_id, c.target_node, c.steps) for c in hr.choices] == [("start", "start", 2)]
    assert (legal.runs, legal.finished, legal.quits, legal.loops) == (2, 2, (), ())
    assert (other.runs, other.choices, other.quits) == (0, (), ())
