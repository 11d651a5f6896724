"""Every role's path of the bundled course can be completed from its first module to its last.

A learner of each track reads every section, passes every quiz and plays every scenario through
the same services the pages use, in the order the path offers them; each module must unlock the
next ones and end DONE. This catches prerequisites that cannot be met, quizzes that cannot be
passed and scenarios in which a learner runs out of choices.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Grants
from course.domain.quiz import right_answer
from course.domain.records import new_key
from course.domain.scenario import available_choices
from course.services import learner, playing, quizzing, reading
from course.services.accounts import add_account
from course.services.learner import ModuleState
from course.settings import BUNDLED_ROOT

TRACKS = ("legal", "hr", "it", "leadership")


def _pass_quiz(engine: Engine, actor: Actor, course: Course, quiz_id: str) -> None:
    view = quizzing.open_attempt(engine, actor, course, quiz_id)
    for drawn in view.drawn:
        question = view.question(drawn.question_id)
        quizzing.answer_question(engine, actor, course, quiz_id, attempt_key=view.attempt_key,
                                 question_id=drawn.question_id, chosen=list(right_answer(question)),
                                 seconds=3.0, text=None if question.scored else "")
    result = quizzing.submit_attempt(engine, actor, course, quiz_id, attempt_key=view.attempt_key)
    assert result.passed and result.score == 1.0, quiz_id


def _play_best(engine: Engine, actor: Actor, course: Course, scenario_id: str) -> float:
    run = playing.start_new_run(engine, actor, course, scenario_id, key=new_key())
    while run.ending is None:
        offered = available_choices(run.scenario, run.state)
        assert offered, f"{scenario_id}: no choice on offer at {run.state.node_id}"
        best = max(offered, key=lambda c: c.score)
        run = playing.choose(engine, actor, course, scenario_id, run_id=run.run_id,
                             step_no=len(run.state.steps) + 1, choice_index=best.index, key=new_key(),
                             seconds=5.0)
    assert run.score is not None
    return run.score


@pytest.mark.parametrize("track", TRACKS)
def test_a_learner_can_complete_the_whole_path(sqlite_engine: Engine, track: str) -> None:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    info = add_account(sqlite_engine, f"{track}@example.org", name=track.title(),
                       grants=Grants(frozenset({Capability.LEARNER})), by=None, tracks=(track,))
    actor = Actor(info.id, info.email, info.grants)
    done: list[str] = []
    while (upcoming := learner.get_path(sqlite_engine, actor, course).next) is not None:
        module = upcoming.module
        for section in module.sections:
            reading.mark_section_read(sqlite_engine, actor, course, module.meta.id,
                                      section_index=section.index, key=new_key())
        if module.quiz:
            _pass_quiz(sqlite_engine, actor, course, module.quiz)
        if module.scenario:
            assert _play_best(sqlite_engine, actor, course, module.scenario) > 0.5, module.scenario
        status = learner.get_path(sqlite_engine, actor, course).status(module.meta.id)
        assert status is not None and status.state is ModuleState.DONE, module.meta.id
        done.append(module.meta.id)
    path = learner.get_path(sqlite_engine, actor, course)
    assert [s.state for s in path.modules] == [ModuleState.DONE] * len(path.modules)
    assert len(done) == len(path.modules) >= 9
