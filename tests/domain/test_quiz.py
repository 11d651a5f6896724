"""Quiz rules on hand-built quizzes: drawing attempts, grading on the server, scoring, passing."""

from __future__ import annotations

import dataclasses

import pytest

from course.domain.model import ItemMeta, Option, Question, Quiz
from course.domain.quiz import (
    DrawnQuestion,
    GradedAnswer,
    InvalidAnswer,
    draw_attempt,
    grade_answer,
    has_passed,
    score_attempt,
)

META = ItemMeta("crisis-check", "Crisis check", ("all",), ("crisis",), "quizzes/check.md", "v1")


def question(question_id: str, *correct: bool, competency: str = "crisis") -> Question:
    options = tuple(
        Option(index=i, html=f"<p>option {i}</p>", correct=flag, feedback_html=f"<p>why {i}</p>")
        for i, flag in enumerate(correct)
    )
    return Question(question_id, competency, f"<p>{question_id}?</p>", 10, options)


SINGLE = question("single", False, True, False, False)  # option 1 is the answer
MULTIPLE = question("multiple", True, False, True, False, True)  # options 0, 2 and 4


def bank(count: int = 10, *, options: int = 4, **rules: object) -> Quiz:
    questions = tuple(
        question(f"q{i}", *[o == i % options for o in range(options)]) for i in range(count)
    )
    return Quiz(META, questions, **rules)  # type: ignore[arg-type]


# --- Drawing an attempt ---------------------------------------------------------------------


def test_same_seed_draws_the_same_attempt() -> None:
    quiz = bank(10, pick=5)
    assert draw_attempt(quiz, seed=1234) == draw_attempt(quiz, seed=1234)
    draws = {draw_attempt(quiz, seed=seed) for seed in range(20)}
    assert len(draws) > 1  # the seed matters


def test_pick_draws_that_many_distinct_questions_from_the_bank() -> None:
    quiz = bank(10, pick=4)
    ids = {q.id for q in quiz.questions}
    for seed in range(50):
        drawn = draw_attempt(quiz, seed=seed)
        assert len(drawn) == 4
        assert len({d.question_id for d in drawn}) == 4
        assert {d.question_id for d in drawn} <= ids


def test_a_retake_draws_unseen_questions_before_repeats() -> None:
    quiz = bank(10, pick=4)
    for seed in range(50):
        first = {d.question_id for d in draw_attempt(quiz, seed=seed)}
        second = {d.question_id for d in draw_attempt(quiz, seed=seed + 1, seen=first)}
        assert not second & first  # six unseen questions cover a draw of four
        third = {d.question_id for d in draw_attempt(quiz, seed=seed + 2, seen=first | second)}
        assert len(third) == 4 and third >= {q.id for q in quiz.questions} - first - second


def test_the_unseen_first_draw_is_the_same_on_every_reload() -> None:
    quiz = bank(10, pick=4)
    seen = {"q1", "q2", "q3"}
    assert draw_attempt(quiz, seed=7, seen=seen) == draw_attempt(quiz, seed=7, seen=seen)
    assert draw_attempt(quiz, seed=7, seen=()) == draw_attempt(quiz, seed=7)


def test_every_question_is_drawn_when_pick_is_absent() -> None:
    quiz = bank(7)
    for seed in range(20):
        assert sorted(d.question_id for d in draw_attempt(quiz, seed=seed)) == sorted(
            q.id for q in quiz.questions
        )


def test_pick_larger_than_the_bank_draws_the_whole_bank() -> None:
    quiz = bank(3, pick=10)
    assert len(draw_attempt(quiz, seed=0)) == 3


@pytest.mark.parametrize("pick", [None, 3, 10])
def test_every_option_appears_exactly_once(pick: int | None) -> None:
    quiz = Quiz(META, (SINGLE, MULTIPLE, *bank(8, options=3).questions), pick=pick)
    for seed in range(30):
        for drawn in draw_attempt(quiz, seed=seed):
            source = quiz.question(drawn.question_id)
            assert source is not None
            assert sorted(drawn.option_order) == [o.index for o in source.options]


def test_shuffle_changes_question_and_option_order_across_seeds() -> None:
    quiz = bank(6, options=5)
    question_orders = {tuple(d.question_id for d in draw_attempt(quiz, seed=s)) for s in range(20)}
    option_orders = {draw_attempt(quiz, seed=s)[0].option_order for s in range(20)}
    assert len(question_orders) > 1
    assert len(option_orders) > 1


def test_shuffle_off_keeps_file_order() -> None:
    quiz = bank(6, options=5, shuffle=False)
    for seed in range(20):
        assert draw_attempt(quiz, seed=seed) == tuple(
            DrawnQuestion(f"q{i}", (0, 1, 2, 3, 4)) for i in range(6)
        )


def test_shuffle_off_with_pick_keeps_options_in_file_order() -> None:
    quiz = bank(6, options=5, shuffle=False, pick=3)
    for seed in range(20):
        assert all(d.option_order == (0, 1, 2, 3, 4) for d in draw_attempt(quiz, seed=seed))


def test_shuffle_off_with_pick_keeps_the_drawn_questions_in_file_order() -> None:
    quiz = bank(6, shuffle=False, pick=3)
    for seed in range(20):
        drawn = [d.question_id for d in draw_attempt(quiz, seed=seed)]
        assert drawn == sorted(drawn, key=lambda qid: int(qid[1:]))


# --- Grading --------------------------------------------------------------------------------

ALL_SINGLE = (0, 1, 2, 3)
ALL_MULTIPLE = (0, 1, 2, 3, 4)


def test_single_choice_question_is_right_only_with_its_answer() -> None:
    assert not SINGLE.multiple
    right = grade_answer(SINGLE, [1], offered=ALL_SINGLE)
    assert right == GradedAnswer("single", "crisis", frozenset({1}), True)
    for wrong in (0, 2, 3):
        assert grade_answer(SINGLE, [wrong], offered=ALL_SINGLE).correct is False


@pytest.mark.parametrize(
    ("chosen", "correct"),
    [
        ({0, 2, 4}, True),
        ({4, 2, 0}, True),
        ({0, 2}, False),
        ({0}, False),
        ({0, 2, 4, 1}, False),
        ({0, 1, 2, 3, 4}, False),
        ({1, 3}, False),
    ],
)
def test_multiple_choice_is_all_or_nothing(chosen: set[int], correct: bool) -> None:
    assert MULTIPLE.multiple
    graded = grade_answer(MULTIPLE, chosen, offered=ALL_MULTIPLE)
    assert graded.correct is correct
    assert graded.chosen == frozenset(chosen)


def test_repeated_option_counts_once() -> None:
    assert grade_answer(SINGLE, [1, 1], offered=ALL_SINGLE).correct is True


@pytest.mark.parametrize(
    ("chosen", "offered"),
    [
        ([7], ALL_SINGLE),  # not an option of the question at all
        ([-1], ALL_SINGLE),
        ([1], (0, 2, 3)),  # the right answer, but it was not shown
        ([1], (0, 1, 2, 3, 9)),  # the form claims an option the question does not have
    ],
)
def test_an_option_that_was_not_offered_is_refused(chosen: list[int], offered: tuple[int, ...]) -> None:
    with pytest.raises(InvalidAnswer, match="not offered"):
        grade_answer(SINGLE, chosen, offered=offered)


def test_an_empty_answer_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match="no option chosen for question 'single'"):
        grade_answer(SINGLE, [], offered=ALL_SINGLE)
    with pytest.raises(InvalidAnswer, match="no option chosen for question 'multiple'"):
        grade_answer(MULTIPLE, set(), offered=ALL_MULTIPLE)


def test_two_options_for_a_single_choice_question_are_refused() -> None:
    with pytest.raises(InvalidAnswer, match="question 'single' takes exactly one option"):
        grade_answer(SINGLE, [1, 2], offered=ALL_SINGLE)
    with pytest.raises(InvalidAnswer, match="takes exactly one option"):
        grade_answer(SINGLE, ALL_SINGLE, offered=ALL_SINGLE)


def test_a_single_option_for_a_multiple_choice_question_is_graded_wrong() -> None:
    assert grade_answer(MULTIPLE, [0], offered=ALL_MULTIPLE).correct is False


def test_grading_uses_the_questions_competency() -> None:
    listening = question("ears", True, False, competency="listening")
    assert grade_answer(listening, [0], offered=(0, 1)).competency == "listening"


# --- Scoring and passing --------------------------------------------------------------------


def answers(right: int, wrong: int) -> list[GradedAnswer]:
    return [GradedAnswer(f"r{i}", "crisis", frozenset({0}), True) for i in range(right)] + [
        GradedAnswer(f"w{i}", "crisis", frozenset({1}), False) for i in range(wrong)
    ]


@pytest.mark.parametrize(
    ("right", "wrong", "count", "score"),
    [
        (7, 3, 10, 0.7),
        (10, 0, 10, 1.0),
        (0, 10, 10, 0.0),
        (2, 1, 3, 2 / 3),
        (3, 0, 5, 0.6),  # unanswered questions count as wrong
        (0, 0, 0, 0.0),
    ],
)
def test_score_attempt_is_the_share_of_questions_right(
    right: int, wrong: int, count: int, score: float
) -> None:
    assert score_attempt(answers(right, wrong), question_count=count) == score


@pytest.mark.parametrize(
    ("right", "count", "pass_mark", "passed"),
    [
        (7, 10, 70, True),  # exactly at the mark: 70% of 10 is a pass
        (6, 10, 70, False),
        (10, 10, 70, True),
        (10, 10, 100, True),
        (9, 10, 100, False),
        (0, 10, 0, True),
        (2, 3, 67, False),  # 66.67% is below 67
        (2, 3, 66, True),
        (1, 3, 33, True),
        (17, 25, 68, True),
        (29, 50, 58, True),
        (57, 100, 57, True),
    ],
)
def test_has_passed_at_the_boundary(right: int, count: int, pass_mark: int, passed: bool) -> None:
    score = score_attempt(answers(right, count - right), question_count=count)
    assert has_passed(score, pass_mark=pass_mark) is passed


def test_quiz_defaults() -> None:
    quiz = Quiz(META, (SINGLE,))
    assert (quiz.pass_mark, quiz.shuffle, quiz.pick, quiz.max_attempts) == (70, True, None, None)
    assert quiz.question("single") is SINGLE
    assert quiz.question("missing") is None
    assert SINGLE.correct_indexes == frozenset({1})
    assert MULTIPLE.correct_indexes == frozenset({0, 2, 4})
    with pytest.raises(dataclasses.FrozenInstanceError):
        quiz.pass_mark = 10  # type: ignore[misc]
