"""The placement pre-check's pure rules: what is drawn, what counts as shown, what is fast-tracked."""

from __future__ import annotations

from functools import cache

from course.content.loader import load_course
from course.domain.model import Course, QuestionKind
from course.domain.paths import path_for
from course.domain.placement import (
    PER_COMPETENCY,
    draw_precheck,
    fast_tracked,
    pre_scores,
    shown_competencies,
)
from course.settings import BUNDLED_ROOT


@cache
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


def test_the_draw_covers_each_competency_of_the_path_from_its_own_quizzes() -> None:
    modules = path_for(course(), ("legal",))
    items = draw_precheck(modules, dict(course().quizzes), seed=7)
    path_quizzes = {m.quiz for m in modules}
    assessed = {q.competency for m in modules if m.quiz for q in course().quizzes[m.quiz].scored_questions}
    assert {i.competency for i in items} == assessed
    for item in items:
        assert item.quiz.meta.id in path_quizzes
        assert item.question.competency == item.competency
        assert item.question.kind is QuestionKind.CHOICE
    per = [sum(i.competency == c for i in items) for c in assessed]
    assert max(per) <= PER_COMPETENCY


def test_the_same_seed_draws_the_same_questions_and_another_seed_may_not() -> None:
    modules = path_for(course(), ("hr",))
    quizzes = dict(course().quizzes)
    ids = [tuple(i.question.id for i in draw_precheck(modules, quizzes, seed=s)) for s in (1, 1, 2, 3)]
    assert ids[0] == ids[1]
    assert len(set(ids)) > 1


def test_a_competency_is_shown_only_with_enough_answers_all_right() -> None:
    scores = pre_scores([("crisis", 1.0), ("crisis", 1.0), ("culture", 1.0), ("culture", 0.0),
                         ("policy", 1.0)])
    assert scores == {"crisis": (1.0, 2), "culture": (0.5, 2), "policy": (1.0, 1)}
    assert shown_competencies(scores) == frozenset({"crisis"})


def test_a_module_is_fast_tracked_only_when_every_competency_it_teaches_is_shown() -> None:
    modules = path_for(course(), ("legal",))
    every = frozenset(c for m in modules for c in m.meta.competencies)
    assert fast_tracked(modules, every) == {m.meta.id for m in modules if m.quiz is not None}
    assert fast_tracked(modules, frozenset()) == frozenset()
    one = modules[0]
    partial = frozenset(one.meta.competencies[:-1])
    assert one.meta.id not in fast_tracked(modules, partial)
