"""Demo mode: do a demo learner's work on a track through the app's own services, to reach its end fast.

A newcomer trying assignments and certificates should not have to read sixteen modules first.
This plays the learner's part as a diligent learner would (every section read, every quiz
answered right, every scenario played by its best choices), through the same services the pages
call, so the permission checks, progress counters and audit all apply. By default the last
section of the track's last module is left for the newcomer to read in the browser, where
finishing the track shows the certificate. Only in demo mode, and only for demo people.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from course.domain.model import Course, Module
from course.domain.paths import path_for
from course.domain.permissions import Actor
from course.domain.quiz import right_answer
from course.domain.scenario import available_choices
from course.services import playing, quizzing, reading
from course.services.demo import DEMO_DOMAIN, ensure_demo_organisation
from course.services.learner import PathView, get_path
from course.settings import Settings
from course.store import people
from course.store.engine import Engine, read_session

#: A scenario run longer than this many steps is abandoned (a course with a loop and no ending).
MAX_STEPS = 200


class RehearsalRefused(PermissionError):
    """Rehearsing was asked for outside demo mode, for someone not in the demo, or for no track."""


@dataclass(frozen=True, slots=True)
class Rehearsed:
    """What was done, and which module's last section is left to read (None: none left)."""

    sections: int
    quizzes: int
    runs: int
    left_in: str | None


def _demo_actor(engine: Engine, settings: Settings, course: Course, email: str) -> Actor:
    if not settings.demo_mode or not email.endswith("@" + DEMO_DOMAIN):
        raise RehearsalRefused("only demo people, and only in demo mode (NTS_DEMO=1)")
    ensure_demo_organisation(engine, settings, info=course.info)  # as the app does when it starts
    with read_session(engine) as session:
        person = people.get_person(session, people.find_person_id(session, email) or 0)
    if person is None or not person.active:
        raise RehearsalRefused(f"there is no active demo person {email}")
    return Actor(person.id, person.email, person.grants)


def _read(engine: Engine, actor: Actor, course: Course, module: Module, skip: frozenset[int], *,
          leave_last: bool) -> int:
    wanted = [s.index for s in module.sections if s.index not in skip]
    if leave_last and wanted and wanted[-1] == module.sections[-1].index:
        wanted = wanted[:-1]
    for index in wanted:
        reading.mark_section_read(engine, actor, course, module.meta.id, section_index=index, key=uuid4().hex)
    return len(wanted)


def _pass_quiz(engine: Engine, actor: Actor, course: Course, quiz_id: str) -> None:
    view = quizzing.open_attempt(engine, actor, course, quiz_id)
    for drawn in view.drawn:
        question = view.question(drawn.question_id)
        quizzing.answer_question(engine, actor, course, quiz_id, attempt_key=view.attempt_key,
                                 question_id=drawn.question_id, seconds=20.0,
                                 chosen=list(right_answer(question)), text=None if question.scored else "")
    quizzing.submit_attempt(engine, actor, course, quiz_id, attempt_key=view.attempt_key)


def _play(engine: Engine, actor: Actor, course: Course, scenario_id: str) -> None:
    scenario = course.scenarios[scenario_id]
    run = playing.start_new_run(engine, actor, course, scenario_id, key=uuid4().hex)
    while run.ending is None and len(run.state.steps) < MAX_STEPS:
        offered = available_choices(scenario, run.state)
        if not offered:
            return
        best = max(offered, key=lambda choice: choice.score)
        run = playing.choose(engine, actor, course, scenario_id, run_id=run.run_id,
                             step_no=len(run.state.steps) + 1, choice_index=best.index,
                             key=uuid4().hex, seconds=15.0)


def rehearse_track(engine: Engine, settings: Settings, course: Course, email: str, track: str, *,
                   leave_last: bool = True) -> Rehearsed:
    """Do a demo learner's remaining work on a track, leaving the last section unread if asked."""
    if track not in course.info.roles:
        raise RehearsalRefused(f"the course has no track {track!r}")
    actor = _demo_actor(engine, settings, course, email)
    modules = path_for(course, [track])
    sections = quizzes = runs = 0
    left_in: str | None = None
    for module in modules:
        path: PathView = get_path(engine, actor, course)
        status = path.status(module.meta.id)
        if status is None:
            raise RehearsalRefused(f"{email} does not follow the {track} track")
        sections += _read(engine, actor, course, module, status.sections_read,
                          leave_last=leave_last and module is modules[-1])
        if module.quiz is not None and not status.quiz_passed:
            _pass_quiz(engine, actor, course, module.quiz)
            quizzes += 1
        if module.scenario is not None and not status.scenario_done:
            _play(engine, actor, course, module.scenario)
            runs += 1
        if module is modules[-1] and leave_last and module.sections[-1].index not in status.sections_read:
            left_in = module.meta.id
    return Rehearsed(sections, quizzes, runs, left_in)
