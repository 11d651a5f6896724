"""Content and data for the trainer and leader journeys: a copy of the course and a seeded database.

The browser tests that change content serve a copy of the bundled course from a temporary
folder, so the bundled files are never touched. Their database is seeded before the server
starts: `seed_bulk` gives every department enough learners for the dashboards, and a small
cohort takes one quiz through the app's own services with answers designed so that three of its
questions earn flags (one too hard, one too easy, one that strong learners get wrong). The
expected flags are then read back from the studio statistics service, so the tests compare the
page with the service rather than with numbers copied here.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from course.content.loader import load_course
from course.content.manifest import MANIFEST
from course.domain.item_analysis import MIN_ANSWERS, Flag
from course.domain.model import Course, Quiz, frozen_map
from course.domain.paths import path_for
from course.domain.permissions import Actor, Capability, Grants
from course.domain.quiz import right_answer
from course.services import database, demo, seed
from course.services.quizzing import answer_question, open_attempt, submit_attempt
from course.services.studio_stats import ItemReport, get_item_analysis
from course.settings import BUNDLED_ROOT, Settings, load_settings
from course.store import people
from course.store.engine import Engine, read_session, write_transaction
from tests.bundled import BUNDLED_DEMO_PEOPLE

#: The folders of a course, beside its manifest.
CONTENT_FOLDERS = ("modules", "quizzes", "scenarios", "media", "aids")
#: Learners and answers written straight into the tables (fast), for the dashboards.
BULK_LEARNERS = 150
BULK_ANSWERS_PER_LEARNER = 14
#: The cohort that takes the flagged quiz through the services: its department and track.
COHORT_DEPARTMENT = "Legal"
COHORT_TRACKS = ("legal",)
#: Answers each designed question needs (a little above the threshold for judging it).
WANTED_ANSWERS = MIN_ANSWERS + 2
#: A cohort bigger than this means the quiz never draws some question: give up loudly.
MAX_COHORT = 120


def copy_course(into: Path, *, source: Path = BUNDLED_ROOT) -> Path:
    """Copy course.yaml and its content folders (modules, quizzes, scenarios, media, aids); return it."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / MANIFEST, into / MANIFEST)
    for folder in CONTENT_FOLDERS:
        shutil.copytree(source / folder, into / folder)
    return into


def server_settings(data: Path, content: Path) -> Settings:
    """Return the settings a server started on this data folder and content copy will read."""
    return load_settings({
        "NTS_DEMO": "1",
        "NTS_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'browser.db'}",
        "COURSE_CONTENT": str(content),
    })


@dataclass(frozen=True, slots=True)
class Designed:
    """The quiz whose answers were designed, and the question meant to earn each flag."""

    quiz_id: str
    too_hard: str
    too_easy: str
    reversed: str

    @property
    def expected(self) -> dict[str, Flag]:
        """Return question id -> the flag its designed answers must earn."""
        return {self.too_hard: Flag.TOO_HARD, self.too_easy: Flag.TOO_EASY,
                self.reversed: Flag.STRONG_GET_IT_WRONG}


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the seeded database holds that the tests check the pages against."""

    designed: Designed
    #: Every person's name and email (demo people, bulk learners, the cohort).
    names: tuple[str, ...]
    emails: tuple[str, ...]


def _designed_questions(course: Course) -> tuple[Quiz, Designed]:
    module = path_for(course, COHORT_TRACKS)[0]
    assert module.quiz is not None, f"{module.meta.id} has no quiz"
    quiz = course.quizzes[module.quiz]
    assert len(quiz.questions) >= 4, f"{quiz.meta.id} needs four questions for the designed flags"
    first, second, third = (q.id for q in quiz.questions[:3])
    return quiz, Designed(quiz.meta.id, too_hard=first, too_easy=second, reversed=third)


def _add_cohort_learner(engine: Engine, number: int) -> Actor:
    grants = Grants(frozenset({Capability.LEARNER}))
    email = f"cohort{number:03d}@{seed.SEED_DOMAIN}"
    with write_transaction(engine) as session:
        person_id = people.add_person(session, email, name=f"Cohort Learner {number:03d}",
                                      department=COHORT_DEPARTMENT, tracks=COHORT_TRACKS, grants=grants,
                                      now=datetime.now(UTC))
    return Actor(person_id, email, grants)


def _take_designed_attempt(engine: Engine, actor: Actor, course: Course, quiz: Quiz, designed: Designed,
                           *, strong: bool) -> set[str]:
    """Answer one attempt as designed; return the ids of the questions it drew."""
    view = open_attempt(engine, actor, course, quiz.meta.id)
    drawn = set()
    for item in view.drawn:
        question = view.question(item.question_id)
        right = list(right_answer(question))
        wrong = ([i for i in item.option_order if i not in question.correct_indexes][:1]
                 if question.options else right[::-1])
        if item.question_id == designed.too_hard:
            correct = False
        elif item.question_id == designed.too_easy:
            correct = True
        elif item.question_id == designed.reversed:
            correct = not strong
        else:
            correct = strong
        answer_question(engine, actor, course, quiz.meta.id, attempt_key=view.attempt_key,
                        question_id=item.question_id, chosen=right if correct else wrong, seconds=20.0,
                        text=None if question.scored else "")
        drawn.add(item.question_id)
    submit_attempt(engine, actor, course, quiz.meta.id, attempt_key=view.attempt_key)
    return drawn


def _seed_designed_cohort(engine: Engine, course: Course, quiz: Quiz, designed: Designed) -> None:
    """Add learners, strong and weak in turn, until each designed question has enough answers."""
    counts = dict.fromkeys(designed.expected, 0)
    number = 0
    while min(counts.values()) < WANTED_ANSWERS:
        number += 1
        assert number <= MAX_COHORT, f"{quiz.meta.id} rarely draws one of {sorted(counts)}"
        actor = _add_cohort_learner(engine, number)
        for question_id in _take_designed_attempt(engine, actor, course, quiz, designed,
                                                  strong=number % 2 == 0):
            if question_id in counts:
                counts[question_id] += 1


def _trainer(engine: Engine) -> Actor:
    email = next(p.email for p in BUNDLED_DEMO_PEOPLE if Capability.TRAINER in p.capabilities)
    with read_session(engine) as session:
        person = people.find_person(session, email)
    assert person is not None
    return Actor(person.id, person.email, person.grants)


def item_reports(engine: Engine, course: Course, quiz_id: str) -> tuple[ItemReport, ...]:
    """Return a quiz's questions worst first, as the studio statistics service reports them."""
    return get_item_analysis(engine, _trainer(engine), course, quiz_id=quiz_id).items


def flagged(items: tuple[ItemReport, ...]) -> tuple[ItemReport, ...]:
    """Return the questions judged and flagged, in the same order."""
    return tuple(i for i in items if i.stats.judged and i.stats.flags)


def seed_database(settings: Settings) -> Seeded:
    """Create the database of a server about to start, with the demo people and learner work."""
    loaded = load_course(settings.content_root).course
    assert loaded is not None, f"the course at {settings.content_root} does not load"
    quiz, designed = _designed_questions(loaded)
    engine = database.open_database(settings)
    try:
        demo.ensure_demo_organisation(engine, settings, info=loaded.info)
        others = frozen_map({k: v for k, v in loaded.quizzes.items() if k != quiz.meta.id})
        seed.seed_bulk(engine, replace(loaded, quizzes=others), learners=BULK_LEARNERS,
                       answers=BULK_LEARNERS * BULK_ANSWERS_PER_LEARNER)
        _seed_designed_cohort(engine, loaded, quiz, designed)
        flags = {i.question_id: i.stats.flags for i in flagged(item_reports(engine, loaded, quiz.meta.id))}
        for question_id, flag in designed.expected.items():
            assert flag in flags.get(question_id, ()), f"{question_id} was seeded to be flagged {flag}"
        with read_session(engine) as session:
            everyone = people.list_people(session)
    finally:
        database.close_database(engine)
    return Seeded(designed, tuple(p.name for p in everyone), tuple(p.email for p in everyone))
