"""Quiz rules: drawing an attempt's questions, grading answers on the server, scoring."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from course.domain.model import Question, Quiz


class InvalidAnswer(ValueError):
    """An answer that could not have come from the form shown (forged or stale)."""


@dataclass(frozen=True, slots=True)
class DrawnQuestion:
    """A question as one attempt shows it: which question, and its options in display order."""

    question_id: str
    option_order: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GradedAnswer:
    """The server's verdict on one answer."""

    question_id: str
    competency: str
    chosen: frozenset[int]
    correct: bool


def draw_attempt(quiz: Quiz, *, seed: int) -> tuple[DrawnQuestion, ...]:
    """Draw the questions of one attempt: `pick` of them, in shuffled order when asked to.

    The same seed always draws the same attempt, so an attempt can be rebuilt after a reload.
    """
    rng = random.Random(seed)
    questions = list(quiz.questions)
    count = len(questions) if quiz.pick is None else min(quiz.pick, len(questions))
    drawn = rng.sample(questions, count) if count < len(questions) else list(questions)
    if quiz.shuffle:
        rng.shuffle(drawn)
    else:
        drawn.sort(key=questions.index)
    result = []
    for question in drawn:
        order = [o.index for o in question.options]
        if quiz.shuffle:
            rng.shuffle(order)
        result.append(DrawnQuestion(question.id, tuple(order)))
    return tuple(result)


def grade_answer(question: Question, chosen: Iterable[int], *, offered: Iterable[int]) -> GradedAnswer:
    """Grade the options a learner chose, refusing anything that was not offered.

    A single-choice question takes exactly one option; a multiple-choice question is correct
    only when every correct option and no wrong one is chosen.
    """
    picked = frozenset(chosen)
    shown = frozenset(offered)
    known = frozenset(o.index for o in question.options)
    if not picked:
        raise InvalidAnswer(f"no option chosen for question {question.id!r}")
    if not picked <= shown or not shown <= known:
        raise InvalidAnswer(f"an option that was not offered was chosen for {question.id!r}")
    if not question.multiple and len(picked) != 1:
        raise InvalidAnswer(f"question {question.id!r} takes exactly one option")
    return GradedAnswer(question.id, question.competency, picked, picked == question.correct_indexes)


def score_attempt(answers: Iterable[GradedAnswer], *, question_count: int) -> float:
    """Return the share of the attempt's questions answered correctly (0 to 1)."""
    if question_count <= 0:
        return 0.0
    return sum(a.correct for a in answers) / question_count


def has_passed(score: float, *, pass_mark: int) -> bool:
    """Tell whether a score (0 to 1) reaches a pass mark given in percent."""
    return round(score * 100, 6) >= pass_mark
