"""The placement pre-check: offered before a learner's path starts, skippable, a true pre score.

Answers are stored apart from quiz attempts (store/placement.py), so they never count as
answers given after learning, and a competency the learner shows lets them fast-track the
modules that teach only it (see domain/placement.py and docs/learners.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.permissions import Action, Actor
from course.domain.placement import (
    PrecheckItem,
    draw_precheck,
    fast_tracked,
    pre_scores,
    shown_competencies,
)
from course.domain.quiz import InvalidAnswer, grade_answer
from course.services.learner import ModuleState, NotAvailable, PathView, get_person
from course.services.permissions import require
from course.store import placement
from course.store.engine import Engine, read_session, write_transaction
from course.store.placement import PlacementEvidence


class PrecheckTaken(NotAvailable):
    """The learner has already answered the pre-check; it is taken once."""


@dataclass(frozen=True, slots=True)
class Placement:
    """What the pre-check showed: the pre score per competency and the modules fast-tracked."""

    taken: bool
    #: Per competency: the mean credit of its placement answers, and how many there were.
    scores: Mapping[str, tuple[float, int]]
    shown: frozenset[str]
    fast_tracked: frozenset[str]


def item_key(item: PrecheckItem) -> str:
    """Return the key an answer to a pre-check item is submitted under."""
    return f"{item.quiz.meta.id}/{item.question.id}"


def get_precheck(engine: Engine, actor: Actor, course: Course) -> tuple[PrecheckItem, ...]:
    """Return the learner's pre-check: the same questions every time it is opened."""
    require(engine, actor, Action.SUBMIT_QUIZ)
    person = get_person(engine, actor)
    return draw_precheck(path_for(course, person.tracks), dict(course.quizzes), seed=actor.person_id)


def precheck_offered(path: PathView) -> bool:
    """Tell whether to offer the pre-check: not taken, and no module of the path started yet."""
    untouched = {ModuleState.NOT_STARTED, ModuleState.LOCKED}
    return (not path.placement_taken and bool(path.modules)
            and all(s.state in untouched for s in path.modules))


def submit_precheck(engine: Engine, actor: Actor, course: Course, answers: Mapping[str, Sequence[int]],
                    *, now: datetime | None = None) -> Placement:
    """Grade and keep the learner's pre-check answers (unanswered questions are left out)."""
    items = {item_key(i): i for i in get_precheck(engine, actor, course)}
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise InvalidAnswer(f"'{unknown[0]}' is not a question of your pre-check")
    when = now or datetime.now(UTC)
    evidence = []
    for key, chosen in answers.items():
        item = items[key]
        graded = grade_answer(item.question, chosen, offered=[o.index for o in item.question.options])
        evidence.append(PlacementEvidence(item.quiz.meta.id, item.question.id, item.competency,
                                          item.quiz.meta.version, graded.stored, graded.score, when))
    with write_transaction(engine) as session:
        if placement.list_placement(session, actor.person_id):
            raise PrecheckTaken("you have already taken the pre-check")
        placement.record_placement(session, actor.person_id, evidence)
    return get_placement(engine, actor, course)


def get_placement(engine: Engine, actor: Actor, course: Course) -> Placement:
    """Return what the learner's pre-check showed (nothing when it was not taken)."""
    require(engine, actor, Action.VIEW_OWN_PROFILE)
    person = get_person(engine, actor)
    with read_session(engine) as session:
        placed = placement.list_placement(session, actor.person_id)
    scores = pre_scores((a.competency, a.score) for a in placed)
    shown = shown_competencies(scores)
    return Placement(bool(placed), scores, shown, fast_tracked(path_for(course, person.tracks), shown))
