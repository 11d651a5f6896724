"""Grading ordering and matching answers: partial credit, shuffling, and forged answers refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.domain.model import Entry, ItemMeta, Option, Question, QuestionKind, Quiz
from course.domain.quiz import InvalidAnswer, draw_attempt, grade_answer, score_attempt


def entries(count: int, *, pairs: bool = False) -> tuple[Entry, ...]:
    return tuple(Entry(i, f"e{i}", f"e{i}", match_html=f"m{i}" if pairs else "",
                       match_text=f"m{i}" if pairs else "") for i in range(count))


ORDER = Question("steps", "crisis", "Order", 1, (), kind=QuestionKind.ORDER, items=entries(4))
MATCH = Question("pairs", "crisis", "Match", 9, (), kind=QuestionKind.MATCH, items=entries(3, pairs=True))
REFLECT = Question("think", "", "Think", 20, (), kind=QuestionKind.REFLECT)
CHOICE = Question("one", "crisis", "One", 30, (Option(0, "a", True), Option(1, "b", False)))


def quiz(*questions: Question, shuffle: bool = True, pick: int | None = None) -> Quiz:
    meta = ItemMeta("q", "Q", ("all",), ("crisis",), "quizzes/q.md", "v1")
    return Quiz(meta, questions, shuffle=shuffle, pick=pick)


def test_an_ordering_answer_earns_the_share_of_positions_right() -> None:
    offered = (2, 0, 3, 1)
    assert grade_answer(ORDER, [0, 1, 2, 3], offered=offered).score == 1.0
    swapped = grade_answer(ORDER, [1, 0, 2, 3], offered=offered)
    assert swapped.marks == (False, False, True, True) and swapped.score == 0.5 and not swapped.correct
    assert grade_answer(ORDER, [3, 2, 1, 0], offered=offered).score == 0.0
    assert grade_answer(ORDER, [0, 1, 2, 3], offered=offered).correct


def test_a_matching_answer_earns_the_share_of_pairs_right() -> None:
    graded = grade_answer(MATCH, [0, 2, 1], offered=(1, 2, 0))
    assert graded.marks == (True, False, False)
    assert graded.score == pytest.approx(1 / 3)
    assert graded.stored == (0, 2, 1)


@pytest.mark.parametrize(
    "chosen",
    [[], [0, 1, 2], [0, 1, 2, 3, 3], [0, 0, 1, 2], [0, 1, 2, 7], [0, 1, 2, -1], list(range(10_000)),
     [0, 1, 2, True], [0.0, 1, 2, 3]],
    ids=["empty", "short", "long", "duplicate", "unknown", "negative", "huge", "bool", "float"],
)
def test_a_forged_ordering_answer_is_refused(chosen: list[int]) -> None:
    with pytest.raises(InvalidAnswer):
        grade_answer(ORDER, chosen, offered=(2, 0, 3, 1))


def test_an_answer_to_entries_that_were_not_offered_is_refused() -> None:
    with pytest.raises(InvalidAnswer):
        grade_answer(MATCH, [0, 1, 2], offered=(0, 1))
    with pytest.raises(InvalidAnswer):
        grade_answer(MATCH, [0, 1, 2], offered=(0, 1, 2, 3))


def test_a_reflection_takes_no_options_and_is_not_scored() -> None:
    graded = grade_answer(REFLECT, [], offered=())
    assert not graded.scored and graded.chosen == frozenset()
    with pytest.raises(InvalidAnswer):
        grade_answer(REFLECT, [0], offered=())


def test_the_attempt_score_adds_partial_credit_and_ignores_reflections() -> None:
    answers = [grade_answer(CHOICE, [0], offered=(0, 1)),
               grade_answer(ORDER, [1, 0, 2, 3], offered=(0, 1, 2, 3)),
               grade_answer(REFLECT, [], offered=())]
    assert score_attempt(answers, question_count=2) == 0.75


def test_entries_are_always_shuffled_never_in_file_order_and_stable_per_seed() -> None:
    bank = quiz(ORDER, MATCH, shuffle=False)
    for seed in range(200):
        drawn = draw_attempt(bank, seed=seed)
        assert drawn == draw_attempt(bank, seed=seed)
        for item in drawn:
            assert sorted(item.option_order) == list(range(len(item.option_order)))
            assert list(item.option_order) != sorted(item.option_order)
    assert len({draw_attempt(bank, seed=seed)[0].option_order for seed in range(200)}) > 5


def test_reflections_follow_the_scored_questions_and_are_never_picked() -> None:
    bank = quiz(REFLECT, CHOICE, ORDER, MATCH, pick=2)
    for seed in range(50):
        drawn = draw_attempt(bank, seed=seed)
        assert len(drawn) == 3 and drawn[-1].question_id == "think" and drawn[-1].option_order == ()


def test_adding_an_ordering_question_keeps_the_draw_of_choice_questions() -> None:
    other = Question("two", "crisis", "Two", 40, (Option(0, "a", True), Option(1, "b", False),
                                                   Option(2, "c", False)))
    before = draw_attempt(quiz(CHOICE, other, shuffle=True), seed=11)
    after = draw_attempt(quiz(CHOICE, other, REFLECT, shuffle=True), seed=11)
    assert after[:2] == before


@given(st.permutations(range(4)))
def test_credit_is_between_0_and_1_and_full_only_for_the_right_order(order: list[int]) -> None:
    graded = grade_answer(ORDER, order, offered=(3, 2, 1, 0))
    assert 0.0 <= graded.score <= 1.0
    assert (graded.score == 1.0) == (list(order) == [0, 1, 2, 3]) == graded.correct


def test_placements_count_each_position_right_and_skip_odd_patterns() -> None:
    from course.domain.item_analysis import placements_right

    patterns = {"[0, 1, 2]": 4, "[1, 0, 2]": 2, "[2, 0, 1]": 1, "[0, 1]": 5, "not json": 3, "{}": 1}
    assert placements_right(patterns, 3) == (4, 4, 6)


@given(st.sampled_from([ORDER, MATCH, REFLECT, CHOICE]),
       st.lists(st.integers(min_value=-(2**70), max_value=2**70), max_size=30),
       st.lists(st.integers(min_value=-3, max_value=12), max_size=12))
def test_any_answer_is_graded_between_0_and_1_or_refused(
    question: Question, chosen: list[int], offered: list[int]
) -> None:
    try:
        graded = grade_answer(question, chosen, offered=offered)
    except InvalidAnswer:
        return
    assert 0.0 <= graded.score <= 1.0
    assert graded.scored == question.scored
