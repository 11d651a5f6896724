"""Synthetic answers: reproducible, valid for the question, and shaped like real answers."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.quiz import grade_answer
from course.services import synthetic
from course.settings import BUNDLED_ROOT


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


def test_behaviours_are_reproducible_and_cover_every_question(course: Course) -> None:
    first, again = synthetic.behaviours(course, seed=4), synthetic.behaviours(course, seed=4)
    assert first == again
    every = {(quiz_id, q.id) for quiz_id, quiz in course.quizzes.items() for q in quiz.scored_questions}
    assert set(first) == every  # reflections are never answered with words
    assert synthetic.behaviours(course, seed=5) != first


def test_some_questions_are_made_flawed_for_item_analysis_to_find(course: Course) -> None:
    items = synthetic.behaviours(course, seed=0).values()
    assert any(i.difficulty == -3.5 for i in items)  # too easy
    assert any(i.difficulty == 2.5 for i in items)  # too hard
    assert any(i.discrimination < 0 for i in items)  # the strongest get it wrong


def test_every_answer_is_a_valid_selection_of_the_question(course: Course) -> None:
    generator = random.Random(1)
    for item in synthetic.behaviours(course, seed=2).values():
        question = item.question
        positions = {o.index for o in question.options}
        for theta in (-2.0, 0.0, 2.0):
            chosen, right, seconds = synthetic.answer(item, theta, generator)
            picked = json.loads(chosen)
            if question.items:  # ordering or matching: every entry once, graded as the server does
                graded = grade_answer(question, picked, offered=[e.index for e in question.items])
                assert right == graded.correct and synthetic.credit(question, chosen) == graded.score
            else:
                assert picked and set(picked) <= positions
                assert right == (frozenset(picked) == question.correct_indexes)
            assert seconds >= 2.0


def test_abler_learners_are_right_more_often_and_wrong_answers_favour_one_distractor(
    course: Course,
) -> None:
    item = next(
        i
        for i in synthetic.behaviours(course, seed=0).values()
        if i.discrimination >= 0.7 and -1 < i.difficulty < 1 and len(i.wrong) >= 3
    )
    generator = random.Random(7)

    def right_share(theta: float) -> float:
        return sum(synthetic.answer(item, theta, generator)[1] for _ in range(2000)) / 2000

    assert right_share(2.0) > right_share(0.0) + 0.2 > right_share(-2.0) + 0.4
    answers = [synthetic.answer(item, -3.0, generator) for _ in range(3000)]
    wrong = Counter(chosen for chosen, right, _ in answers if not right)
    shares = sorted(wrong.values(), reverse=True)
    assert shares[0] > 1.5 * shares[-1]  # uneven pull: not every distractor is equally tempting


def test_ability_is_the_logit_of_skill_and_stays_finite() -> None:
    assert synthetic.ability(0.5) == 0.0
    assert synthetic.ability(0.0) == synthetic.ability(0.01) < 0 < synthetic.ability(1.0)
