"""How synthetic learners answer quiz questions, for the demo and bulk seeds (standard library only).

Each question gets a behaviour drawn once from the seed, as in two-parameter item response
theory: a difficulty and a discrimination decide how likely a learner of a given ability is to
be right; wrong answers fall on the distractors with an uneven pull (one tempting distractor,
others rarely chosen); time to answer varies around the question's own pace and is longer when
wrong. A few questions are deliberately flawed (too easy, too hard, or answered better by weaker
learners) so that item analysis has something to find. Ordering and matching questions are
got wrong by swapping two neighbouring entries or by moving the last one first, which earn
partial credit; reflections are never answered with words, only skipped.
"""

from __future__ import annotations

import bisect
import json
import math
import random
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from course.domain.model import Course, Question, QuestionKind
from course.domain.quiz import right_answer

#: Share of questions made too easy, too hard, and "the strongest get it wrong" (miskeyed).
EASY_SHARE, HARD_SHARE, MISKEYED_SHARE = 0.08, 0.08, 0.05


@dataclass(frozen=True, slots=True)
class ItemBehaviour:
    """How one question is answered: chance of being right by ability, distractors, pace."""

    question: Question
    difficulty: float
    discrimination: float
    #: The correct positions as the store writes them (JSON), and the wrong selections.
    right: str
    wrong: tuple[str, ...]
    #: Cumulative weights of `wrong`, for a weighted draw with bisect.
    pull: tuple[float, ...]
    seconds: float


def ability(skill: float) -> float:
    """Return the ability (logit scale) of a learner who is right with chance `skill` on an average item."""
    share = min(0.99, max(0.01, skill))
    return math.log(share / (1 - share))


def _right(question: Question) -> list[int]:
    """Return the right answer as the store writes it: the correct options, or the file order."""
    return list(right_answer(question))


def credit(question: Question, chosen: str) -> float:
    """Return the credit of an answer given as JSON: 1 or 0, or the share of entries in place."""
    picked = json.loads(chosen)
    if question.kind is QuestionKind.CHOICE:
        return 1.0 if picked == _right(question) else 0.0
    right = _right(question)
    return float(sum(a == b for a, b in zip(picked, right, strict=True)) / len(right))


def _wrong_sequences(question: Question) -> list[list[int]]:
    """Return plausible wrong orders: two neighbours swapped, or the last entry moved first."""
    right = _right(question)
    swaps = [[*right[:i], right[i + 1], right[i], *right[i + 2:]] for i in range(len(right) - 1)]
    return [*swaps, [right[-1], *right[:-1]]]


def _selections(question: Question, generator: random.Random) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Return the wrong selections of a question and their cumulative, uneven weights."""
    if question.kind is not QuestionKind.CHOICE:
        sequences = _wrong_sequences(question)
        weights = [generator.random() ** 3 + 0.03 for _ in sequences]
        return tuple(json.dumps(p) for p in sequences), tuple(accumulate(weights))
    right = question.correct_indexes
    distractors = sorted(o.index for o in question.options if not o.correct)
    if not question.multiple:
        picks = [frozenset({d}) for d in distractors]
    else:  # one right option missed, one distractor added, or one swapped for the other
        picks = [right - {c} for c in sorted(right)] + [right | {d} for d in distractors]
        picks += [(right - {c}) | {d} for c in sorted(right) for d in distractors]
    picks = [p for p in picks if p and p != right]
    if not picks:
        return (), ()
    weights = [generator.random() ** 3 + 0.03 for _ in picks]
    return tuple(json.dumps(sorted(p)) for p in picks), tuple(accumulate(weights))


def behaviours(course: Course, *, seed: int) -> dict[tuple[str, str], ItemBehaviour]:
    """Draw the behaviour of every question, by (quiz id, question id), reproducibly from the seed."""
    generator = random.Random(f"items-{seed}")
    found: dict[tuple[str, str], ItemBehaviour] = {}
    for quiz_id in sorted(course.quizzes):
        for question in course.quizzes[quiz_id].scored_questions:
            roll = generator.random()
            difficulty = generator.gauss(0.0, 0.8)
            discrimination = generator.uniform(0.7, 2.2)
            if roll < EASY_SHARE:
                difficulty = -3.5
            elif roll < EASY_SHARE + HARD_SHARE:
                difficulty = 2.5
            elif roll < EASY_SHARE + HARD_SHARE + MISKEYED_SHARE:
                discrimination = -0.8
            wrong, pull = _selections(question, generator)
            found[(quiz_id, question.id)] = ItemBehaviour(
                question,
                difficulty,
                discrimination,
                json.dumps(_right(question)),
                wrong,
                pull,
                generator.uniform(12.0, 45.0),
            )
    return found


class SyntheticAnswer(NamedTuple):
    """What a synthetic learner answered: the chosen positions as JSON, whether right, how long."""

    chosen: str
    right: bool
    seconds: float


def answer(item: ItemBehaviour, theta: float, generator: random.Random) -> SyntheticAnswer:
    """Return the answer of a learner of ability `theta` to one item."""
    chance = 1.0 / (1.0 + math.exp(-item.discrimination * (theta - item.difficulty)))
    right = generator.random() < chance or not item.wrong
    chosen = item.right if right else item.wrong[bisect.bisect(item.pull, generator.random() * item.pull[-1])]
    seconds = item.seconds * generator.lognormvariate(0.0, 0.4) * (1.0 if right else 1.3)
    return SyntheticAnswer(chosen, right, round(max(2.0, seconds), 1))
