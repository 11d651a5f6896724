"""Concurrency: 20 threads record learner work for 10 s while dashboards read.

Every acknowledged write must be present exactly once, and the progress counters must equal
the rows behind them. Runs on a SQLite file and on PostgreSQL where reachable.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from course.domain.permissions import Actor
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    RecordOutcome,
    SectionReadRecord,
    new_key,
)
from course.services import progress
from course.store import attempts
from course.store.engine import read_session, run_write

MakePerson = Callable[..., Actor]
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
WRITERS = 20
SECONDS = 10.0
#: The run goes on past SECONDS until this much work is done (a busy machine is slower), but
#: never past SECONDS_AT_MOST: enough work, not a speed, is what the test needs.
ENOUGH_ATTEMPTS, ENOUGH_DASHBOARD_READS = 100, 10
SECONDS_AT_MOST = 120.0


def _attempt(actor: Actor, rng: random.Random) -> QuizAttemptRecord:
    score = rng.choice([0.2, 0.4, 0.6, 0.8, 1.0])
    return QuizAttemptRecord(
        key=new_key(),
        person_id=actor.person_id,
        quiz_id=f"quiz-{rng.randrange(3)}",
        content_version="v1",
        started_at=NOW,
        finished_at=NOW + timedelta(minutes=1),
        answers=tuple(
            AnswerRecord(f"q{n}", "culture", (rng.randrange(4),), rng.random() < score, 1.0) for n in range(5)
        ),
        score=score,
        passed=score >= 0.6,
    )


@pytest.mark.slow
def test_concurrent_writers_and_dashboards_lose_nothing(engine: Engine, make_person: MakePerson) -> None:
    learners = [make_person(f"p{n}@example.org", department=("legal", "hr", "it")[n % 3]) for n in range(10)]
    by_id = {learner.person_id: learner for learner in learners}
    acknowledged: list[QuizAttemptRecord] = []
    reads: list[SectionReadRecord] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    started = time.monotonic()
    dashboard_reads = Counter[str]()

    def going() -> bool:
        elapsed = time.monotonic() - started
        if elapsed >= SECONDS_AT_MOST:
            return False
        enough = len(acknowledged) > ENOUGH_ATTEMPTS and dashboard_reads["reads"] > ENOUGH_DASHBOARD_READS
        return elapsed < SECONDS or not enough

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[QuizAttemptRecord] = []
        try:
            while going():
                actor = rng.choice(learners)
                if rng.random() < 0.5:
                    record = _attempt(actor, rng)
                    if mine and rng.random() < 0.2:
                        record = rng.choice(mine)  # a retry of an acknowledged attempt
                        actor = by_id[record.person_id]
                    # as quizzing.submit_attempt stores it, in one write transaction
                    outcome = run_write(
                        engine, lambda s, r=record: attempts.record_quiz_attempt(s, r, now=NOW)
                    )
                    assert outcome.ok
                    if outcome is RecordOutcome.RECORDED:
                        mine.append(record)
                        with lock:
                            acknowledged.append(record)
                else:
                    read = SectionReadRecord(
                        new_key(),
                        actor.person_id,
                        f"module-{rng.randrange(3)}",
                        "v1",
                        rng.randrange(40),
                    )
                    outcome = progress.record_section_read(engine, actor, read)
                    assert outcome.ok
                    with lock:
                        reads.append(read)
        except BaseException as error:
            errors.append(error)

    def dashboard() -> None:
        last = 0
        try:
            while going():
                with read_session(engine) as session:
                    total = session.connection().execute(
                        text("SELECT coalesce(sum(events), 0) FROM progress")
                    ).scalar_one()
                assert total >= last, "a dashboard saw progress go backwards"
                last = total
                dashboard_reads["reads"] += 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=dashboard) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(acknowledged) > ENOUGH_ATTEMPTS and dashboard_reads["reads"] > ENOUGH_DASHBOARD_READS

    with read_session(engine) as session:
        db = session.connection()
        stored = Counter(k for (k,) in db.execute(text("SELECT key FROM quiz_attempt")))
        answers = db.execute(text("SELECT count(*) FROM quiz_answer")).scalar_one()
        sections = Counter(
            tuple(row)
            for row in db.execute(
                text("SELECT person_id, module_id, content_version, section_index FROM section_read")
            )
        )
        counters = {
            (person, kind, item): events
            for person, kind, item, events in db.execute(
                text("SELECT person_id, kind, item_id, events FROM progress")
            )
        }
        attempts_behind = dict(
            ((person, "quiz", quiz), n)
            for person, quiz, n in db.execute(
                text("SELECT person_id, quiz_id, count(*) FROM quiz_attempt GROUP BY person_id, quiz_id")
            )
        )
        reads_behind = dict(
            ((person, "module", module), n)
            for person, module, n in db.execute(
                text("SELECT person_id, module_id, count(*) FROM section_read GROUP BY person_id, module_id")
            )
        )
    assert stored == Counter(record.key for record in acknowledged)  # each exactly once
    assert answers == 5 * len(acknowledged)
    expected_sections = {(r.person_id, r.module_id, r.content_version, r.section_index) for r in reads}
    assert set(sections) == expected_sections and max(sections.values()) == 1
    assert counters == {**attempts_behind, **reads_behind}
