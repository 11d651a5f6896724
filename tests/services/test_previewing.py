"""Preview on the server: trainers draw and grade as a learner would; nobody else may."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from course.content.loader import load_course
from course.domain.model import Quiz
from course.domain.permissions import Actor
from course.domain.quiz import draw_attempt
from course.services import previewing
from course.services.permissions import PermissionDenied
from course.settings import BUNDLED_ROOT
from course.store import audit
from course.store.engine import read_session

MakePerson = Callable[..., Actor]


@pytest.fixture(scope="module")
def drawn_quiz() -> Quiz:
    """A bundled quiz that draws fewer questions than it holds."""
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    return next(q for q in course.quizzes.values() if q.pick is not None and q.pick < len(q.questions))


def test_a_trainer_draws_exactly_what_a_learner_with_that_seed_gets(
    engine: Engine, make_person: MakePerson, drawn_quiz: Quiz
) -> None:
    trainer = make_person("tess@example.org", capabilities="trainer")
    drawn = previewing.draw(engine, trainer, drawn_quiz, seed=42)
    assert drawn == draw_attempt(drawn_quiz, seed=42)
    assert len(drawn) == drawn_quiz.pick
    assert {d.question_id for d in drawn} <= {q.id for q in drawn_quiz.questions}
    draws = [previewing.draw(engine, trainer, drawn_quiz, seed=seed) for seed in range(8)]
    assert len({tuple(d.question_id for d in one) for one in draws}) > 1


@pytest.mark.parametrize("capabilities", ["learner", "leader"])
def test_others_may_not_draw_or_grade_and_the_refusal_is_audited(
    engine: Engine, make_person: MakePerson, drawn_quiz: Quiz, capabilities: str
) -> None:
    someone = make_person(f"{capabilities}@example.org", capabilities=capabilities)
    with pytest.raises(PermissionDenied):
        previewing.draw(engine, someone, drawn_quiz, seed=1)
    with pytest.raises(PermissionDenied):
        previewing.grade(engine, someone, drawn_quiz, drawn_quiz.questions[0].id, [0])
    with read_session(engine) as session:
        denied = audit.list_events(session, kind="action_denied")
    assert [(e.actor, e.target) for e in denied] == [(someone.email, "preview_content")] * 2
