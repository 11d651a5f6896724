"""The two writes services/progress.py offers the app: permission checks and exactly-once writes.

services/reading.py records a section read and services/playing.py starts a scenario run through
these functions; quiz attempts and scenario steps are stored inside the quizzing and playing
services' own transactions and are tested in test_learning.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from course.domain.permissions import Actor
from course.domain.records import RecordOutcome, ScenarioRunStartRecord, SectionReadRecord, new_key
from course.services import progress
from course.services.permissions import PermissionDenied
from course.store import audit
from course.store.engine import read_session
from tests.databases import count_rows

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
MakePerson = Callable[..., Actor]


def test_the_same_section_read_sent_ten_times_at_once_is_stored_once(
    engine: Engine, make_person: MakePerson
) -> None:
    ada = make_person()
    record = SectionReadRecord(new_key(), ada.person_id, "listening-first", "v1", 2)
    barrier = threading.Barrier(10)
    outcomes: list[RecordOutcome] = []
    errors: list[BaseException] = []

    def send() -> None:
        barrier.wait()
        try:
            outcomes.append(progress.record_section_read(engine, ada, record, now=NOW))
        except BaseException as error:  # collected, so the test reports it
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(outcomes) == 10 and all(outcome.ok for outcome in outcomes)
    assert outcomes.count(RecordOutcome.RECORDED) == 1
    assert count_rows(engine, "section_read") == 1
    with read_session(engine) as session:
        events = session.connection().execute(text("SELECT events FROM progress")).scalar_one()
    assert events == 1


def test_learners_record_only_their_own_reading(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    bob = make_person("bob@example.org")
    forged = SectionReadRecord(new_key(), ada.person_id, "listening-first", "v1", 0)
    with pytest.raises(PermissionDenied, match="record belongs to person"):
        progress.record_section_read(engine, bob, forged)
    assert count_rows(engine, "section_read") == 0 and count_rows(engine, "progress") == 0
    with read_session(engine) as session:
        (denial,) = audit.list_events(session, kind="action_denied")
    assert (denial.actor, denial.target) == ("bob@example.org", "read_section")


def test_people_without_the_learner_capability_cannot_record(engine: Engine, make_person: MakePerson) -> None:
    trainer = make_person("tess@example.org", capabilities="trainer")
    with pytest.raises(PermissionDenied):
        progress.record_section_read(
            engine, trainer, SectionReadRecord(new_key(), trainer.person_id, "m", "v", 0)
        )
    with pytest.raises(PermissionDenied):
        progress.start_scenario_run(
            engine, trainer, ScenarioRunStartRecord(new_key(), trainer.person_id, "viral-video", "v1", NOW)
        )
    assert count_rows(engine, "section_read") == count_rows(engine, "scenario_run") == 0


def test_a_run_started_twice_with_one_key_is_one_run_and_only_its_owner_may_start_it(
    engine: Engine, make_person: MakePerson
) -> None:
    ada = make_person()
    bob = make_person("bob@example.org")
    start = ScenarioRunStartRecord(new_key(), ada.person_id, "viral-video", "v1", NOW)
    assert progress.start_scenario_run(engine, ada, start) is RecordOutcome.RECORDED
    assert progress.start_scenario_run(engine, ada, start) is RecordOutcome.DUPLICATE
    with pytest.raises(PermissionDenied, match="record belongs to person"):
        forged = ScenarioRunStartRecord(new_key(), ada.person_id, "viral-video", "v1", NOW)
        progress.start_scenario_run(engine, bob, forged)
    assert count_rows(engine, "scenario_run") == 1
