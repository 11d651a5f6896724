"""Item analysis queries against hand-computed aggregates (tests/studio_data.py), on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from course.domain.item_analysis import analyse
from course.store import item_stats
from course.store.engine import read_session
from tests.studio_data import QUIZ, R_BOTH, write_attempt, write_person, write_studio_data


@pytest.fixture
def data(engine: Engine) -> Engine:
    write_studio_data(engine)
    return engine


def test_versions_with_data_are_listed_with_their_counts(data: Engine) -> None:
    with read_session(data) as session:
        versions = item_stats.version_rows(item_stats.list_quiz_scores(session))
        assert [(r.item_id, r.version, r.count) for r in versions] == [
            (QUIZ, "old", 1),
            (QUIZ, "v1", 4),
        ]


def test_upper_and_lower_groups_start_at_the_27_percent_edges(data: Engine) -> None:
    with read_session(data) as session:
        cuts = item_stats.attempt_cuts(session, pairs=[(QUIZ, "v1")])
    assert list(cuts) == [(QUIZ, "v1")]
    cut = cuts[(QUIZ, "v1")]
    # Ranked A1 (1.0), A2 (0.5), A3 (0.0), A4 (0.0): the upper group ends at A2, the lower starts at A3.
    assert (cut.upper_score, cut.lower_score, cut.attempts) == (0.5, 0.0, 4)
    assert cut.upper_id < cut.lower_id


def test_equal_scores_at_an_edge_are_split_by_the_order_recorded(engine: Engine) -> None:
    person = write_person(engine, "tia", "legal")
    half = [("a", (0,), True, 1.0), ("b", (0,), False, 1.0)]
    scores = [[("a", (0,), True, 1.0)], half, half, half, [("a", (0,), False, 1.0)]]
    for minute, answers in enumerate(scores):  # scores 1.0, 0.5, 0.5, 0.5, 0.0 in id order
        write_attempt(engine, person, "t1", answers, minute, quiz_id="ties")
    with read_session(engine) as session:
        cut = item_stats.attempt_cuts(session)[("ties", "t1")]
        ids = [
            int(i) for (i,) in session.connection().exec_driver_sql("SELECT id FROM quiz_attempt ORDER BY id")
        ]
    # ceil(27% of 5) = 2: the upper group is 1.0 and the first 0.5; the lower the last 0.5 and 0.0.
    assert (cut.upper_score, cut.upper_id, cut.lower_score, cut.lower_id) == (0.5, ids[1], 0.5, ids[3])
    assert (
        item_stats.group_size(5) == 2 and item_stats.group_size(100) == 27 and item_stats.group_size(1) == 1
    )


def test_question_counts_match_the_hand_computation(data: Engine) -> None:
    with read_session(data) as session:
        rows = item_stats.question_counts(session, pairs=[(QUIZ, "v1")], positions=3)
    by_id = {r.question_id: r for r in rows}
    assert sorted(by_id) == ["q-one", "q-two"] and {r.version for r in rows} == {"v1"}
    one, two = by_id["q-one"].counts, by_id["q-two"].counts
    assert (one.answers, one.learners, one.correct, one.seconds) == (4, 3, 2, 52.0)
    assert (one.upper_answers, one.upper_correct, one.lower_answers, one.lower_correct) == (2, 2, 2, 0)
    assert (two.answers, two.learners, two.correct, two.seconds) == (4, 3, 1, 92.0)
    assert (two.upper_answers, two.upper_correct, two.lower_answers, two.lower_correct) == (2, 1, 2, 0)
    assert (one.score_sum, one.score_squares, one.correct_score_sum) == (1.5, 1.25, 1.5)
    assert (two.score_sum, two.score_squares, two.correct_score_sum) == (1.5, 1.25, 1.0)
    assert one.questions_per_attempt == two.questions_per_attempt == 2.0
    assert by_id["q-one"].chosen == {0: 2, 1: 2}
    assert by_id["q-two"].chosen == {0: 3, 1: 2, 2: 1}
    first, second = analyse(one), analyse(two)
    assert (first.facility, first.mean_seconds, first.discrimination) == (0.5, 13.0, 1.0)
    assert (second.facility, second.mean_seconds, second.discrimination) == (0.25, 23.0, 0.5)
    assert first.point_biserial == pytest.approx(R_BOTH) and second.point_biserial == pytest.approx(R_BOTH)


def test_every_version_is_counted_apart_when_no_filter_is_given(data: Engine) -> None:
    with read_session(data) as session:
        rows = item_stats.question_counts(session, positions=12)  # two-digit positions: exact patterns
    cells = {(r.version, r.question_id): (r.counts.answers, r.counts.correct, r.chosen) for r in rows}
    assert cells == {
        ("old", "q-one"): (1, 1, {0: 1}),
        ("v1", "q-one"): (4, 2, {0: 2, 1: 2}),
        ("v1", "q-two"): (4, 1, {0: 3, 1: 2, 2: 1}),
    }
    assert [(r.version, r.question_id) for r in rows] == sorted(cells)


def test_only_the_versions_asked_for_are_counted(data: Engine) -> None:
    with read_session(data) as session:
        old = item_stats.question_counts(session, pairs=[(QUIZ, "old")])
        none = item_stats.question_counts(session, pairs=[])
        unknown = item_stats.question_counts(session, pairs=[("nothing", "v1")])
    assert [(r.version, r.question_id, r.counts.answers, r.counts.learners) for r in old] == [
        ("old", "q-one", 1, 1)
    ]
    assert none == [] and unknown == []


def test_two_quizzes_may_share_question_ids(data: Engine) -> None:
    person = write_person(data, "uma", "it")
    write_attempt(data, person, "w1", [("q-one", (1,), True, 3.0)], 9, quiz_id="another-quiz")
    with read_session(data) as session:
        rows = item_stats.question_counts(session, pairs=[(QUIZ, "v1"), ("another-quiz", "w1")])
    cells = {(r.quiz_id, r.question_id): (r.counts.answers, r.counts.correct, r.chosen) for r in rows}
    assert cells == {
        ("another-quiz", "q-one"): (1, 1, {1: 1}),
        (QUIZ, "q-one"): (4, 2, {0: 2, 1: 2}),
        (QUIZ, "q-two"): (4, 1, {0: 3, 1: 2, 2: 1}),
    }
