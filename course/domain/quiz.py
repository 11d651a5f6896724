"""Quiz rules: drawing an attempt's questions, grading answers on the server, scoring."""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from course.domain.model import Question, QuestionKind, Quiz


class InvalidAnswer(ValueError):
    """An answer that could not have come from the form shown (forged or stale)."""


@dataclass(frozen=True, slots=True)
class DrawnQuestion:
    """A question as one attempt shows it: which question, and its options in display order.

    For an ordering question `option_order` is the order its items are listed in the select
    boxes; for a matching question, the order of the right-hand sides; for a reflection, empty.
    """

    question_id: str
    option_order: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GradedAnswer:
    """The server's verdict on one answer.

    `chosen` holds the options chosen (choice questions) or the entries used (ordering and
    matching); `sequence` keeps the order an ordering or matching answer gave them in, and
    `marks` says, position by position or pair by pair, which parts were right. A reflection's
    verdict is not scored.
    """

    question_id: str
    competency: str
    chosen: frozenset[int]
    correct: bool
    sequence: tuple[int, ...] = ()
    marks: tuple[bool, ...] = ()
    scored: bool = True

    @property
    def score(self) -> float:
        """Return the credit earned, 0 to 1: the share of right parts, or all or nothing."""
        if self.marks:
            return sum(self.marks) / len(self.marks)
        return 1.0 if self.correct else 0.0

    @property
    def stored(self) -> tuple[int, ...]:
        """Return the answer as it is stored: in order for ordering and matching, else sorted."""
        return self.sequence if self.sequence else tuple(sorted(self.chosen))


def draw_attempt(quiz: Quiz, *, seed: int, seen: Collection[str] = ()) -> tuple[DrawnQuestion, ...]:
    """Draw the questions of one attempt: `pick` of them, in shuffled order when asked to.

    Questions the learner has not `seen` (answered in an earlier attempt) are drawn first, and
    repeats only fill what is left, so a retake tests them on new questions where the bank has
    them. The same seed and `seen` always draw the same attempt, so an attempt can be rebuilt
    after a reload.
    Reflections are never drawn at random: all of them follow the scored questions, in file
    order. The items of ordering and matching questions are always shuffled (the file order is
    the answer), each from its own generator so that adding such a question leaves the draw of
    the other questions as it was.
    """
    rng = random.Random(seed)
    questions = list(quiz.scored_questions)
    count = len(questions) if quiz.pick is None else min(quiz.pick, len(questions))
    drawn = _unseen_first(rng, questions, count, seen=frozenset(seen))
    if quiz.shuffle:
        rng.shuffle(drawn)
    else:
        drawn.sort(key=questions.index)
    result = []
    for question in drawn:
        if question.kind is QuestionKind.CHOICE:
            order = [o.index for o in question.options]
            if quiz.shuffle:
                rng.shuffle(order)
        else:
            order = _shuffled_entries(question, seed=seed)
        result.append(DrawnQuestion(question.id, tuple(order)))
    result += [DrawnQuestion(q.id, ()) for q in quiz.reflections]
    return tuple(result)


def _unseen_first(rng: random.Random, questions: list[Question], count: int, *,
                  seen: frozenset[str]) -> list[Question]:
    """Draw `count` questions at random, unseen ones before any the learner has seen."""
    if count >= len(questions):
        return list(questions)
    fresh = [q for q in questions if q.id not in seen]
    if len(fresh) >= count:
        return rng.sample(fresh, count)
    again = [q for q in questions if q.id in seen]
    return fresh + rng.sample(again, count - len(fresh))


def _shuffled_entries(question: Question, *, seed: int) -> list[int]:
    """Shuffle a question's entries; never leave them in file order, which would give it away."""
    order = [e.index for e in question.items]
    random.Random(f"{seed}:{question.id}").shuffle(order)
    if len(order) > 1 and order == sorted(order):
        order = order[1:] + order[:1]
    return order


def grade_answer(question: Question, chosen: Sequence[int], *, offered: Iterable[int]) -> GradedAnswer:
    """Grade an answer against what the attempt offered, refusing anything it could not be.

    A single-choice question takes exactly one option; a multiple-choice question is correct
    only when every correct option and no wrong one is chosen. An ordering answer lists every
    item once, first position first; a matching answer gives, for each left-hand side in file
    order, the pair whose right-hand side the learner chose, each used once. Both earn the share
    of positions or pairs that are right. A reflection's answer holds no options at all.
    """
    shown = tuple(offered)
    if len(chosen) > max(len(shown), 1) or not all(type(i) is int for i in chosen):
        raise InvalidAnswer(f"the answer to {question.id!r} is not one the form could send")
    if question.kind is QuestionKind.REFLECT:
        if chosen:
            raise InvalidAnswer(f"reflection {question.id!r} takes no options")
        return GradedAnswer(question.id, question.competency, frozenset(), False, scored=False)
    if question.kind is QuestionKind.CHOICE:
        return _grade_choice(question, chosen, shown)
    return _grade_entries(question, tuple(chosen), shown)


def _grade_choice(question: Question, chosen: Sequence[int], shown: tuple[int, ...]) -> GradedAnswer:
    picked = frozenset(chosen)
    known = frozenset(o.index for o in question.options)
    if not picked:
        raise InvalidAnswer(f"no option chosen for question {question.id!r}")
    if not picked <= frozenset(shown) or not frozenset(shown) <= known:
        raise InvalidAnswer(f"an option that was not offered was chosen for {question.id!r}")
    if not question.multiple and len(picked) != 1:
        raise InvalidAnswer(f"question {question.id!r} takes exactly one option")
    return GradedAnswer(question.id, question.competency, picked, picked == question.correct_indexes)


def _grade_entries(question: Question, sequence: tuple[int, ...], shown: tuple[int, ...]) -> GradedAnswer:
    known = sorted(e.index for e in question.items)
    if sorted(shown) != known:
        raise InvalidAnswer(f"question {question.id!r} was not offered this way")
    if sorted(sequence) != known:
        raise InvalidAnswer(f"the answer to {question.id!r} must use each of its "
                            f"{len(known)} entries exactly once")
    marks = tuple(entry == expected for entry, expected in zip(sequence, known, strict=True))
    return GradedAnswer(question.id, question.competency, frozenset(sequence), all(marks),
                        sequence=sequence, marks=marks)


def right_answer(question: Question) -> tuple[int, ...]:
    """Return the answer that earns full credit, as grade_answer takes it (empty for a reflection)."""
    if question.kind is QuestionKind.CHOICE:
        return tuple(sorted(question.correct_indexes))
    return tuple(e.index for e in question.items)


def score_attempt(answers: Iterable[GradedAnswer], *, question_count: int) -> float:
    """Return the attempt's score (0 to 1): the credit earned over its scored questions.

    A choice question earns 1 or 0; an ordering or matching question earns its share of right
    positions or pairs; reflections earn nothing and are not counted in `question_count`.
    """
    if question_count <= 0:
        return 0.0
    return sum(a.score for a in answers if a.scored) / question_count


def has_passed(score: float, *, pass_mark: int) -> bool:
    """Tell whether a score (0 to 1) reaches a pass mark given in percent."""
    return round(score * 100, 6) >= pass_mark
