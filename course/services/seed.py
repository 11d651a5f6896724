"""A synthetic organisation for demos and benchmarks.

`seed_demo` creates departments, tracks and levels of learners who take the course through
the same services the app uses (reading, quizzing, playing), each with their own
diligence and skill, improving week by week, so the dashboards tell a believable story.
`seed_bulk` writes large volumes straight into the tables (for the dashboard and studio
benchmarks). Both answer quizzes as course/services/synthetic.py describes. The departments
come from course.yaml's `demo:` section, or are one per role (see `demo_departments_of`).
Everything is reproducible from the seed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from course.domain.model import Course, DemoDepartment, Scenario, demo_departments_of
from course.domain.permissions import Actor, Capability, Grants
from course.domain.question_hash import question_hash
from course.domain.quiz import has_passed
from course.domain.records import new_key
from course.domain.scenario import available_choices
from course.services import playing, quizzing, reading, synthetic
from course.services.learner import NotAvailable, get_path
from course.store import bulk, evidence_slots, item_counters, people
from course.store.engine import Engine, read_session, write_transaction

SEED_DOMAIN = "seed.needtoshare.invalid"
LEVELS = (("staff", 0.6), ("manager", 0.3), ("executive", 0.1))
DEMO_LEARNERS = 120
#: Chance that a synthetic learner leaves a scenario run before each decision after the first.
LEAVE_RUN_CHANCE = 0.04


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What seeding created."""

    people: int
    attempts: int
    runs: int


@dataclass(frozen=True, slots=True)
class _Learner:
    actor: Actor
    diligence: float
    skill: float
    growth: float


def _pick(generator: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return generator.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def _department(generator: random.Random, departments: tuple[DemoDepartment, ...]) -> DemoDepartment:
    return generator.choices(departments, weights=[d.share for d in departments])[0]


def _add_people(
    engine: Engine, count: int, generator: random.Random, *, course: Course, start: datetime
) -> list[_Learner]:
    learners = []
    grants = Grants(frozenset({Capability.LEARNER}))
    departments = demo_departments_of(course.info)
    with write_transaction(engine) as session:
        first = (bulk.count_people(session) or 0) + 1
        for number in range(first, first + count):
            picked = _department(generator, departments)
            department, tracks, base = picked.name, picked.tracks, picked.skill
            email = f"learner{number:05d}@{SEED_DOMAIN}"
            person_id = people.add_person(
                session,
                email,
                name=f"Learner {number:05d}",
                department=department,
                tracks=tracks,
                grants=grants,
                now=start,
                level=_pick(generator, LEVELS),
            )
            learners.append(
                _Learner(
                    Actor(person_id, email, grants),
                    diligence=generator.uniform(0.2, 1.0),
                    skill=max(0.2, min(0.95, generator.gauss(base, 0.12))),
                    growth=generator.uniform(0.0, 0.04),
                )
            )
    return learners


def _answer_quiz(
    engine: Engine,
    learner: _Learner,
    course: Course,
    quiz_id: str,
    *,
    skill: float,
    items: dict[tuple[str, str], synthetic.ItemBehaviour],
    generator: random.Random,
    when: datetime,
) -> bool:
    view = quizzing.open_attempt(engine, learner.actor, course, quiz_id, now=when)
    theta = synthetic.ability(skill)
    for drawn in view.drawn:
        item = items.get((quiz_id, drawn.question_id))
        if item is None:  # a reflection: synthetic learners skip it and write nothing
            quizzing.answer_question(engine, learner.actor, course, quiz_id, attempt_key=view.attempt_key,
                                     question_id=drawn.question_id, chosen=[], seconds=5.0, now=when, text="")
            continue
        chosen, _, seconds = synthetic.answer(item, theta, generator)
        quizzing.answer_question(
            engine,
            learner.actor,
            course,
            quiz_id,
            attempt_key=view.attempt_key,
            question_id=drawn.question_id,
            chosen=json.loads(chosen),
            seconds=seconds,
            now=when,
        )
    result = quizzing.submit_attempt(
        engine, learner.actor, course, quiz_id, attempt_key=view.attempt_key, now=when
    )
    return result.passed


def _play(
    engine: Engine,
    learner: _Learner,
    course: Course,
    scenario: Scenario,
    *,
    skill: float,
    generator: random.Random,
    when: datetime,
) -> None:
    view = playing.start_new_run(engine, learner.actor, course, scenario.meta.id, key=new_key(), now=when)
    step = 1
    while view.ending is None and step < 50:
        offered = available_choices(scenario, view.state)
        if not offered or (step > 1 and generator.random() < LEAVE_RUN_CHANCE):
            return  # some learners leave a run partway: the studio shows where
        best = max(offered, key=lambda c: c.score)
        choice = best if generator.random() < skill else generator.choice(offered)
        view = playing.choose(
            engine,
            learner.actor,
            course,
            scenario.meta.id,
            run_id=view.run_id,
            step_no=step,
            choice_index=choice.index,
            key=new_key(),
            seconds=generator.uniform(5, 40),
            now=when,
        )
        step += 1


def _study(
    engine: Engine,
    learner: _Learner,
    course: Course,
    generator: random.Random,
    *,
    items: dict[tuple[str, str], synthetic.ItemBehaviour],
    start: datetime,
    weeks: int,
) -> tuple[int, int]:
    """Work through the learner's path week by week; return (attempts, runs) made."""
    attempts = runs = 0
    for week in range(weeks):
        if generator.random() > learner.diligence:
            continue
        skill = min(0.97, learner.skill + learner.growth * week)
        when = start + timedelta(weeks=week, hours=generator.uniform(0, 120))
        path = get_path(engine, learner.actor, course)
        todo = [m for m in path.modules if m.unlocked and m.state.value != "done"][:2]
        for status in todo:
            module = status.module
            for section in module.sections:
                reading.mark_section_read(
                    engine,
                    learner.actor,
                    course,
                    module.meta.id,
                    section_index=section.index,
                    key=new_key(),
                    now=when,
                )
            try:
                if module.quiz is not None and not status.quiz_passed:
                    _answer_quiz(
                        engine,
                        learner,
                        course,
                        module.quiz,
                        skill=skill,
                        items=items,
                        generator=generator,
                        when=when,
                    )
                    attempts += 1
                if module.scenario is not None and module.scenario in course.scenarios:
                    _play(
                        engine,
                        learner,
                        course,
                        course.scenarios[module.scenario],
                        skill=skill,
                        generator=generator,
                        when=when,
                    )
                    runs += 1
            except NotAvailable:  # attempts used up, or locked: move on, as a person would
                continue
    return attempts, runs


def seed_demo(
    engine: Engine,
    course: Course,
    *,
    learners: int = DEMO_LEARNERS,
    seed: int = 0,
    weeks: int = 8,
    now: datetime | None = None,
) -> SeedReport:
    """Create `learners` synthetic learners who take the course through the app's services."""
    generator = random.Random(seed)
    end = now or datetime.now(UTC)
    start = end - timedelta(weeks=weeks)
    created = _add_people(engine, learners, generator, course=course, start=start - timedelta(days=7))
    attempts = runs = 0
    items = synthetic.behaviours(course, seed=seed)
    for learner in created:
        made = _study(engine, learner, course, generator, items=items, start=start, weeks=weeks)
        attempts += made[0]
        runs += made[1]
    return SeedReport(len(created), attempts, runs)


def has_learner_work(engine: Engine) -> bool:
    """Return whether anyone has submitted a quiz or started a scenario yet."""
    with read_session(engine) as session:
        return bulk.has_learner_work(session)


def seed_demo_if_empty(
    engine: Engine, course: Course, *, learners: int = DEMO_LEARNERS, seed: int = 0
) -> SeedReport | None:
    """Seed a small demo organisation when the database holds no learner work (demo mode)."""
    if has_learner_work(engine):
        return None
    return seed_demo(engine, course, learners=learners, seed=seed)


def seed_bulk(
    engine: Engine,
    course: Course,
    *,
    learners: int,
    answers: int,
    seed: int = 0,
    weeks: int = 12,
    now: datetime | None = None,
) -> SeedReport:
    """Write `learners` people and about `answers` quiz answers straight into the tables (fast).

    For benchmarks: the rows look like the app's, but no service checks run. Each learner writes
    answers // learners answers in attempts of the quiz's draw size (`pick`) spread over `weeks`;
    answers follow course/services/synthetic.py (the learner's ability, improving week by week,
    against each question's difficulty; uneven distractors; varied times), so item analysis finds
    real differences. About 60% of learners finish one scenario run (without steps).
    """
    generator = random.Random(seed)
    end = now or datetime.now(UTC)
    start = end - timedelta(weeks=weeks)
    quizzes = [q for q in course.quizzes.values() if q.scored_questions]
    scenarios = list(course.scenarios.values())
    person_rows = []
    skills = []
    departments = demo_departments_of(course.info)
    for number in range(learners):
        home = _department(generator, departments)
        base = home.skill
        person_rows.append(
            {
                "email": f"bulk{number:07d}@{SEED_DOMAIN}",
                "name": f"Bulk {number:07d}",
                "department": home.name,
                "tracks": ";".join(home.tracks),
                "level": _pick(generator, LEVELS),
                "created_at": start,
                "updated_at": start,
            }
        )
        skills.append(max(0.2, min(0.95, generator.gauss(base, 0.12))))
    with write_transaction(engine) as session:
        ids = bulk.insert_people(session, person_rows)
    per_learner = max(1, answers // max(1, learners))
    items = synthetic.behaviours(course, seed=seed)
    attempt_rows: list[dict[str, object]] = []
    answer_rows: list[bulk.BulkAnswer] = []
    hashes = {(quiz.meta.id, q.id): question_hash(q) for quiz in quizzes for q in quiz.questions}
    run_rows: list[dict[str, object]] = []
    for person_id, skill in zip(ids, skills, strict=True):
        theta = synthetic.ability(skill)
        given = 0
        while given < per_learner:
            quiz = generator.choice(quizzes)
            week = generator.randrange(weeks)
            when = start + timedelta(weeks=week, minutes=generator.randrange(10_000))
            bank = quiz.scored_questions
            drawn = len(bank) if quiz.pick is None else min(quiz.pick, len(bank))
            # A learner's last attempt is cut short when the answers do not divide evenly.
            picked = generator.sample(bank, min(drawn, per_learner - given))
            given_now = [
                synthetic.answer(items[(quiz.meta.id, q.id)], theta + 0.1 * week, generator) for q in picked
            ]
            credits = [synthetic.credit(q, reply.chosen) for q, reply in zip(picked, given_now, strict=True)]
            score = sum(credits) / len(picked)
            attempt_rows.append(
                {
                    "key": new_key(),
                    "person_id": person_id,
                    "quiz_id": quiz.meta.id,
                    "content_version": quiz.meta.version,
                    "started_at": when,
                    "finished_at": when,
                    "score": score,
                    "passed": has_passed(score, pass_mark=quiz.pass_mark),
                    "recorded_at": when,
                }
            )
            answer_rows += [
                bulk.BulkAnswer(len(attempt_rows), i, q.id, q.competency, reply.chosen, reply.right,
                                reply.seconds, got, hashes[(quiz.meta.id, q.id)])
                for i, (q, reply, got) in enumerate(zip(picked, given_now, credits, strict=True))
            ]
            given += len(picked)
        if scenarios and generator.random() < 0.6:
            scenario = generator.choice(scenarios)
            when = start + timedelta(weeks=generator.randrange(weeks))
            run_rows.append(
                {
                    "run_key": new_key(),
                    "person_id": person_id,
                    "scenario_id": scenario.meta.id,
                    "content_version": scenario.meta.version,
                    "started_at": when,
                    "steps": 0,
                    "finish_key": new_key(),
                    "finished_at": when,
                    "ending_node": "end",
                    "ending_kind": "good" if generator.random() < skill else "bad",
                    "score": round(min(1.0, max(0.0, generator.gauss(skill, 0.2))), 3),
                }
            )
    with write_transaction(engine) as session:
        bulk.insert_attempts(session, attempt_rows, answer_rows)
        bulk.insert_runs(session, run_rows)
        evidence_slots.rebuild(session)  # the rows above bypass the per-attempt upkeep
        item_counters.rebuild(session)
        bulk.refresh_statistics(session)
    return SeedReport(len(ids), len(attempt_rows), len(run_rows))


def describe(report: SeedReport) -> str:
    """Return a one-line summary of a seeding."""
    return json.dumps({"people": report.people, "attempts": report.attempts, "runs": report.runs})
