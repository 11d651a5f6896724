"""Item analysis queries against hand-computed aggregates (tests/studio_data.py), on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from course.domain.item_analysis import analyse
from course.store import item_counters, item_stats
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


def _counted(session: Session, pairs: list[tuple[str, str]] | None = None) -> item_counters.Counted:
    scores = item_stats.list_quiz_scores(session)
    return item_counters.read_counts(session, list(scores) if pairs is None else pairs, scores=scores)


def test_equal_scores_at_an_edge_are_shared_in_proportion(engine: Engine) -> None:
    person = write_person(engine, "tia", "legal")
    half = [("a", (0,), True, 1.0), ("b", (0,), False, 1.0)]
    scores = [[("a", (0,), True, 1.0)], half, half, half, [("a", (0,), False, 1.0)]]
    for minute, answers in enumerate(scores):  # scores 1.0, 0.5, 0.5, 0.5, 0.0
        write_attempt(engine, person, "t1", answers, minute, quiz_id="ties")
    with read_session(engine) as session:
        rows = {r.question_id: r.counts for r in _counted(session).rows}
    # ceil(27% of 5) = 2: each group takes its end's attempt and 1 of the three at 0.5, a third of each.
    a, b = rows["a"], rows["b"]
    assert (a.upper_answers, a.upper_correct) == pytest.approx((2.0, 2.0))
    assert (a.lower_answers, a.lower_correct) == pytest.approx((2.0, 1.0))
    assert (b.upper_answers, b.upper_correct, b.lower_answers, b.lower_correct) == pytest.approx((1, 0, 1, 0))


def test_question_counts_match_the_hand_computation(data: Engine) -> None:
    with read_session(data) as session:
        rows = _counted(session, [(QUIZ, "v1")]).rows
    by_id = {r.question_id: r for r in rows}
    assert sorted(by_id) == ["q-one", "q-two"] and {r.version for r in rows} == {"v1"}
    one, two = by_id["q-one"].counts, by_id["q-two"].counts
    assert (one.answers, one.correct, one.seconds) == (4, 2, 52.0)
    assert (one.upper_answers, one.upper_correct, one.lower_answers, one.lower_correct) == (2, 2, 2, 0)
    assert (two.answers, two.correct, two.seconds) == (4, 1, 92.0)
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
    # Answers recorded without a wording: their learners are counted from the answers.
    with read_session(data) as session:
        learners = item_stats.pooled_learners(
            session, [(QUIZ, q, [("v1", None)]) for q in ("q-one", "q-two")])
    assert learners == {(QUIZ, "q-one"): 3, (QUIZ, "q-two"): 3}


def test_every_version_is_counted_apart_when_no_filter_is_given(data: Engine) -> None:
    with read_session(data) as session:
        rows = _counted(session).rows
    cells = {(r.version, r.question_id): (r.counts.answers, r.counts.correct, r.chosen) for r in rows}
    assert cells == {
        ("old", "q-one"): (1, 1, {0: 1}),
        ("v1", "q-one"): (4, 2, {0: 2, 1: 2}),
        ("v1", "q-two"): (4, 1, {0: 3, 1: 2, 2: 1}),
    }
    assert [(r.version, r.question_id) for r in rows] == sorted(cells)


def test_only_the_versions_asked_for_are_counted(data: Engine) -> None:
    with read_session(data) as session:
        old = _counted(session, [(QUIZ, "old")]).rows
        none = _counted(session, []).rows
        unknown = _counted(session, [("nothing", "v1")]).rows
    assert [(r.version, r.question_id, r.counts.answers) for r in old] == [("old", "q-one", 1)]
    assert none == [] and unknown == []


def test_two_quizzes_may_share_question_ids(data: Engine) -> None:
    person = write_person(data, "uma", "it")
    write_attempt(data, person, "w1", [("q-one", (1,), True, 3.0)], 9, quiz_id="another-quiz")
    with read_session(data) as session:
        rows = _counted(session, [(QUIZ, "v1"), ("another-quiz", "w1")]).rows
    cells = {(r.quiz_id, r.question_id): (r.counts.answers, r.counts.correct, r.chosen) for r in rows}
    assert cells == {
        ("another-quiz", "q-one"): (1, 1, {1: 1}),
        (QUIZ, "q-one"): (4, 2, {0: 2, 1: 2}),
        (QUIZ, "q-two"): (4, 1, {0: 3, 1: 2, 2: 1}),
    }
