"""Hand-made learner work for the studio statistics tests, with its hand-computed results.

Quiz "intro-quiz" (of tests/conftest.py): q-one has options [x] 0, [ ] 1; q-two has [x] 0,
[x] 1, [ ] 2. Four attempts of the current version, two questions each, score = share right:

    A1 ada (legal)  q-one [0] right 10 s   q-two [0, 1] right 20 s   score 1.0
    A2 bob (legal)  q-one [0] right 12 s   q-two [0]    wrong 22 s   score 0.5
    A3 cy (hr)      q-one [1] wrong 14 s   q-two [1]    wrong 24 s   score 0.0
    A4 ada (legal)  q-one [1] wrong 16 s   q-two [0, 2] wrong 26 s   score 0.0

Ranked by score then id: A1, A2, A3, A4; the groups hold ceil(27% of 4) = 2 attempts each:
upper A1, A2 and lower A3, A4. One more attempt (cy, q-one right) is of an older version "old".

Item-rest correlation: with two questions, the rest of an attempt is the other question, so both
questions correlate x1 = (1, 1, 0, 0) with x2 = (1, 0, 0, 0): cov = 1/8, sd1 = 1/2,
sd2 = √3/4, r = 1/√3.

Scenario "first-day" (everything at T0 unless said): ada finishes good-end, bob finishes
bad-end, cy loops at start twice and stops there (abandoned a week later), and cy starts once
more without a step at T0 + 9 days (still in progress at NOW = T0 + 10 days).

`write_more_departments` adds it (dee, eve, fay) and ops (gus, hal) learners who all finish
good-end, and a run of dee's started without a step at T0 (abandoned at NOW).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from course.domain.permissions import Capability, Grants
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
    new_key,
)
from course.store import attempts, people, scenario_runs
from course.store.engine import write_transaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUIZ = "intro-quiz"
SCENARIO = "first-day"
#: Item-rest correlation (corrected point-biserial) of both questions (see the module docstring).
R_BOTH = 1 / math.sqrt(3)
#: When the scenario analytics are asked for in the tests: cy's last run is 1 day old, the other 10.
NOW = T0 + timedelta(days=10)

Answer = tuple[str, tuple[int, ...], bool, float]


@dataclass(frozen=True)
class StudioData:
    """The people written, by name."""

    ids: dict[str, int]


def write_person(engine: Engine, name: str, department: str) -> int:
    with write_transaction(engine) as session:
        return people.add_person(
            session,
            f"{name}@x.org",
            name=name,
            department=department,
            tracks=("legal",),
            grants=Grants(frozenset({Capability.LEARNER})),
            now=T0,
        )


def write_attempt(
    engine: Engine, person_id: int, version: str, answers: list[Answer], minute: int, *, quiz_id: str = QUIZ,
    hashes: dict[str, str] | None = None,
) -> None:
    """Record one submitted attempt, its score the share of right answers.

    `hashes` gives each question's wording as asked; without it the answers store none, as
    answers recorded before wordings were stored.
    """
    asked = hashes or {}
    at = T0 + timedelta(minutes=minute)
    score = sum(ok for _, _, ok, _ in answers) / len(answers)
    record = QuizAttemptRecord(
        key=new_key(),
        person_id=person_id,
        quiz_id=quiz_id,
        content_version=version,
        started_at=at,
        finished_at=at,
        answers=tuple(AnswerRecord(q, "crisis", chosen, ok, s, question_hash=asked.get(q))
                      for q, chosen, ok, s in answers),
        score=score,
        passed=score >= 0.7,
    )
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, record, now=at)


def _run(
    engine: Engine,
    person_id: int,
    version: str,
    steps: list[tuple[str, int, str, float]],
    ending: tuple[str, str] | None,
    at: datetime = T0,
) -> None:
    key = new_key()
    with write_transaction(engine) as session:
        scenario_runs.start_run(session, ScenarioRunStartRecord(key, person_id, SCENARIO, version, at))
        for number, (node, choice, target, seconds) in enumerate(steps, start=1):
            scenario_runs.record_step(
                session,
                ScenarioStepRecord(
                    new_key(), person_id, SCENARIO, version, key, number, node, choice, target, {}, 0, seconds
                ),
                now=at,
            )
        if ending is not None:
            scenario_runs.finish_run(
                session, ScenarioRunFinishRecord(new_key(), person_id, key, ending[0], ending[1], 1.0, at)
            )


def write_studio_data(
    engine: Engine, *, quiz_version: str = "v1", scenario_version: str = "v1", suffix: str = ""
) -> StudioData:
    """Write the people, attempts and runs of the module docstring."""
    ids = {
        name: write_person(engine, name + suffix, department)
        for name, department in (("ada", "legal"), ("bob", "legal"), ("cy", "hr"))
    }
    v = quiz_version
    write_attempt(engine, ids["ada"], v, [("q-one", (0,), True, 10.0), ("q-two", (0, 1), True, 20.0)], 1)
    write_attempt(engine, ids["bob"], v, [("q-one", (0,), True, 12.0), ("q-two", (0,), False, 22.0)], 2)
    write_attempt(engine, ids["cy"], v, [("q-one", (1,), False, 14.0), ("q-two", (1,), False, 24.0)], 3)
    write_attempt(engine, ids["ada"], v, [("q-one", (1,), False, 16.0), ("q-two", (0, 2), False, 26.0)], 4)
    write_attempt(engine, ids["cy"], "old", [("q-one", (0,), True, 5.0)], 5)
    s = scenario_version
    _run(engine, ids["ada"], s, [("start", 0, "good-end", 2.0)], ("good-end", "good"))
    _run(engine, ids["bob"], s, [("start", 1, "bad-end", 3.0)], ("bad-end", "bad"))
    _run(engine, ids["cy"], s, [("start", 0, "start", 4.0), ("start", 0, "start", 6.0)], None)
    _run(engine, ids["cy"], s, [], None, at=T0 + timedelta(days=9))
    return StudioData(ids)


def write_more_departments(engine: Engine, *, scenario_version: str = "v1") -> StudioData:
    """Write the it and ops learners of the module docstring and their runs."""
    people = (("dee", "it"), ("eve", "it"), ("fay", "it"), ("gus", "ops"), ("hal", "ops"))
    ids = {name: write_person(engine, name, department) for name, department in people}
    for name in ids:
        _run(engine, ids[name], scenario_version, [("start", 0, "good-end", 5.0)], ("good-end", "good"))
    _run(engine, ids["dee"], scenario_version, [], None)
    return StudioData(ids)
