"""Recording learner work through the services: permission checks and exactly-once writes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from course.domain.permissions import Actor
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    RecordOutcome,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
    SectionReadRecord,
    new_key,
)
from course.services import progress
from course.services.permissions import PermissionDenied
from course.store import audit
from course.store.engine import read_session

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
MakePerson = Callable[..., Actor]


def quiz_attempt(person_id: int, key: str | None = None) -> QuizAttemptRecord:
    return QuizAttemptRecord(
        key=key or new_key(),
        person_id=person_id,
        quiz_id="need-to-share-quiz",
        content_version="3f2a",
        started_at=NOW,
        finished_at=NOW + timedelta(minutes=2),
        answers=(AnswerRecord("q1", "culture", (2,), True, 8.0),),
        score=1.0,
        passed=True,
    )


def rows(engine: Engine, table: str) -> int:
    with read_session(engine) as session:
        return int(session.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_the_same_attempt_submitted_ten_times_at_once_is_stored_once(
    engine: Engine, make_person: MakePerson
) -> None:
    ada = make_person()
    record = quiz_attempt(ada.person_id)
    barrier = threading.Barrier(10)
    outcomes: list[RecordOutcome] = []
    errors: list[BaseException] = []

    def submit() -> None:
        barrier.wait()
        try:
            outcomes.append(progress.record_quiz_attempt(engine, ada, record, now=NOW))
        except BaseException as error:  # collected, so the test reports it
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(outcomes) == 10 and all(outcome.ok for outcome in outcomes)
    assert outcomes.count(RecordOutcome.RECORDED) == 1
    assert rows(engine, "quiz_attempt") == 1 and rows(engine, "quiz_answer") == 1
    (entry,) = progress.get_my_progress(engine, ada)
    assert entry.events == 1


def test_learners_record_only_their_own_work(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    bob = make_person("bob@example.org")
    with pytest.raises(PermissionDenied, match="record belongs to person"):
        progress.record_quiz_attempt(engine, bob, quiz_attempt(ada.person_id))
    assert rows(engine, "quiz_attempt") == 0
    with read_session(engine) as session:
        (denial,) = audit.list_events(session, kind="action_denied")
    assert (denial.actor, denial.target) == ("bob@example.org", "submit_quiz")


def test_people_without_the_learner_capability_cannot_record(engine: Engine, make_person: MakePerson) -> None:
    trainer = make_person("tess@example.org", capabilities="trainer")
    with pytest.raises(PermissionDenied):
        progress.record_section_read(
            engine, trainer, SectionReadRecord(new_key(), trainer.person_id, "m", "v", 0)
        )


def test_a_whole_scenario_run_through_the_services(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    start = ScenarioRunStartRecord(new_key(), ada.person_id, "viral-video", "v1", NOW)
    assert progress.start_scenario_run(engine, ada, start) is RecordOutcome.RECORDED
    step = ScenarioStepRecord(
        new_key(),
        ada.person_id,
        "viral-video",
        "v1",
        start.run_id,
        1,
        "start",
        0,
        "reply",
        {"trust": 1},
        2,
        5.0,
    )
    for _ in range(3):
        assert progress.record_scenario_step(engine, ada, step, now=NOW).ok
    finish = ScenarioRunFinishRecord(new_key(), ada.person_id, start.run_id, "reply", "good", 1.0, NOW)
    assert progress.finish_scenario_run(engine, ada, finish) is RecordOutcome.RECORDED
    assert progress.finish_scenario_run(engine, ada, finish) is RecordOutcome.DUPLICATE
    assert rows(engine, "scenario_step") == 1
    read = SectionReadRecord(new_key(), ada.person_id, "listening-first", "v1", 1)
    progress.record_section_read(engine, ada, read)
    assert progress.get_sections_read(engine, ada, module_id="listening-first", content_version="v1") == [1]
    assert progress.count_quiz_attempts(engine, ada, quiz_id="need-to-share-quiz") == 0


def test_dashboards_show_only_the_departments_a_leader_may_see(
    engine: Engine, make_person: MakePerson
) -> None:
    for email, department in (("a@example.org", "legal"), ("b@example.org", "hr")):
        learner = make_person(email, department=department)
        progress.record_quiz_attempt(engine, learner, quiz_attempt(learner.person_id))
    scoped = make_person("lead@example.org", capabilities="leader:hr", department="hr")
    unscoped = make_person("boss@example.org", capabilities="leader", department="it")
    admin = make_person("root@example.org", capabilities="admin", department="it")
    learner = make_person("c@example.org")
    assert [d.department for d in progress.get_department_progress(engine, scoped)] == ["hr"]
    assert [d.department for d in progress.get_department_progress(engine, unscoped)] == [
        "hr",
        "legal",
    ]
    assert len(progress.get_department_progress(engine, admin)) == 2
    with pytest.raises(PermissionDenied):
        progress.get_department_progress(engine, learner)
