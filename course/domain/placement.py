"""The placement pre-check: a few questions per competency, drawn from the quiz banks.

Before a learner's path starts they may answer a short pre-check: for each competency the path
assesses, up to PER_COMPETENCY choice questions drawn from the quizzes of their path. The answers
are a true pre score (what they knew before any module), and a competency they show well enough
lets them fast-track the modules that teach only what they have shown: such a module counts as
done once its quiz is passed (and its scenario played), whether or not its sections were read.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from course.domain.model import Module, Question, QuestionKind, Quiz

#: Questions drawn per competency.
PER_COMPETENCY = 2
#: A competency is shown when at least this many placement answers assess it...
SHOWN_AT_LEAST = 2
#: ...and they earned at least this share of the credit (every one right, with two questions).
SHOWN_SHARE = 1.0


@dataclass(frozen=True, slots=True)
class PrecheckItem:
    """One question of a pre-check: the competency it stands for and where it comes from."""

    competency: str
    quiz: Quiz
    question: Question


Pool = dict[str, list[tuple[Quiz, Question]]]


def _candidates(modules: Sequence[Module], quizzes: dict[str, Quiz]) -> Pool:
    """Return, per competency in path order, the choice questions of the path's quizzes."""
    found: Pool = defaultdict(list)
    for module in modules:
        quiz = quizzes.get(module.quiz or "")
        if quiz is None:
            continue
        for question in quiz.scored_questions:
            if question.kind is QuestionKind.CHOICE and question.competency:
                found[question.competency].append((quiz, question))
    return found


def draw_precheck(modules: Sequence[Module], quizzes: dict[str, Quiz], *, seed: int,
                  per_competency: int = PER_COMPETENCY) -> tuple[PrecheckItem, ...]:
    """Draw the pre-check for a path: up to `per_competency` questions per competency.

    The same path, banks and seed give the same draw, so a learner who reloads the page sees
    the same questions. Competencies come in the order the path first assesses them.
    """
    rng = random.Random(seed)
    items: list[PrecheckItem] = []
    for competency, pool in _candidates(modules, quizzes).items():
        for quiz, question in rng.sample(pool, min(per_competency, len(pool))):
            items.append(PrecheckItem(competency, quiz, question))
    return tuple(items)


def pre_scores(answers: Iterable[tuple[str, float]]) -> dict[str, tuple[float, int]]:
    """Return, per competency, the mean credit of its placement answers and how many there were."""
    totals: dict[str, list[float]] = defaultdict(list)
    for competency, score in answers:
        totals[competency].append(score)
    return {c: (sum(scores) / len(scores), len(scores)) for c, scores in totals.items()}


def shown_competencies(scores: dict[str, tuple[float, int]]) -> frozenset[str]:
    """Return the competencies the pre-check showed (enough answers, enough credit)."""
    return frozenset(c for c, (share, count) in scores.items()
                     if count >= SHOWN_AT_LEAST and share >= SHOWN_SHARE)


def fast_tracked(modules: Iterable[Module], shown: frozenset[str]) -> frozenset[str]:
    """Return the ids of modules with a quiz whose every competency was shown."""
    return frozenset(m.meta.id for m in modules
                     if m.quiz is not None and m.meta.competencies and set(m.meta.competencies) <= shown)
