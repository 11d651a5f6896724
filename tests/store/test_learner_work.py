"""Learner work is stored exactly once per key, with counters equal to the rows behind them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, text
from sqlmodel import select

from course.domain.permissions import Actor
from course.domain.records import (
    AnswerRecord,
    ProgressKind,
    QuizAttemptRecord,
    RecordOutcome,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
    SectionReadRecord,
    new_key,
)
from course.store import attempts, progress, scenario_runs
from course.store.engine import read_session, write_transaction
from course.store.tables import QuizAnswer, QuizAttempt, ScenarioStep, SectionRead

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
MakePerson = Callable[..., Actor]


def attempt(person_id: int, *, key: str = "", score: float = 0.6) -> QuizAttemptRecord:
    return QuizAttemptRecord(
        key=key or new_key(),
        person_id=person_id,
        quiz_id="listening-first-quiz",
        content_version="v1",
        started_at=NOW,
        finished_at=NOW + timedelta(minutes=3),
        answers=(
            AnswerRecord("q1", "listening", (0,), True, 12.5),
            AnswerRecord("q2", "measurement", (1, 3), False, 20.0),
        ),
        score=score,
        passed=score >= 0.6,
    )


def count(engine: Engine, table: str) -> int:
    with read_session(engine) as session:
        return int(session.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_quiz_attempt_is_stored_once_with_every_answer(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    record = attempt(ada.person_id)
    with write_transaction(engine) as session:
        assert attempts.record_quiz_attempt(session, record, now=NOW) is RecordOutcome.RECORDED
    with write_transaction(engine) as session:
        assert attempts.record_quiz_attempt(session, record, now=NOW) is RecordOutcome.DUPLICATE
    assert count(engine, "quiz_attempt") == 1
    with read_session(engine) as session:
        answers = list(session.exec(select(QuizAnswer).order_by(QuizAnswer.position)))
        (stored,) = attempts.list_attempts(session, ada.person_id)
        (entry,) = progress.list_progress(session, ada.person_id)
    assert [(a.question_id, a.chosen, a.correct) for a in answers] == [
        ("q1", "[0]", True),
        ("q2", "[1, 3]", False),
    ]
    assert stored.answers == 2 and stored.score == 0.6 and stored.content_version == "v1"
    assert stored.finished_at == NOW + timedelta(minutes=3)
    assert (entry.kind, entry.events, entry.best_score, entry.passed) == (
        ProgressKind.QUIZ,
        1,
        0.6,
        True,
    )


def test_quiz_progress_keeps_the_best_score_and_any_pass(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    for score in (0.8, 0.2, 0.4):
        with write_transaction(engine) as session:
            attempts.record_quiz_attempt(session, attempt(ada.person_id, score=score), now=NOW)
    with read_session(engine) as session:
        (entry,) = progress.list_progress(session, ada.person_id)
        assert len(attempts.list_attempts(session, ada.person_id, quiz_id="listening-first-quiz")) == 3
    assert (entry.events, entry.best_score, entry.passed) == (3, 0.8, True)


def test_a_section_read_twice_counts_once(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    first = SectionReadRecord(new_key(), ada.person_id, "listening-first", "v1", 0)
    again = SectionReadRecord(new_key(), ada.person_id, "listening-first", "v1", 0)
    other = SectionReadRecord(new_key(), ada.person_id, "listening-first", "v1", 2)
    newer = SectionReadRecord(new_key(), ada.person_id, "listening-first", "v2", 0)
    outcomes = []
    for record in (first, first, again, other, newer):
        with write_transaction(engine) as session:
            outcomes.append(progress.record_section_read(session, record, now=NOW))
    assert outcomes == [
        RecordOutcome.RECORDED,
        RecordOutcome.DUPLICATE,
        RecordOutcome.DUPLICATE,
        RecordOutcome.RECORDED,
        RecordOutcome.RECORDED,
    ]
    with read_session(engine) as session:
        read = progress.list_all_sections_read(session, ada.person_id)[("listening-first", "v1")]
        (entry,) = progress.list_progress(session, ada.person_id)
        rows = session.exec(select(func.count()).select_from(SectionRead)).one()
    assert read == {0, 2}
    assert entry.events == rows == 3
    assert entry.content_version == "v2"


def _step(person_id: int, run_id: str, step_no: int, *, key: str = "", choice: int = 0) -> ScenarioStepRecord:
    return ScenarioStepRecord(
        key=key or new_key(),
        person_id=person_id,
        scenario_id="viral-video",
        content_version="v1",
        run_id=run_id,
        step_no=step_no,
        node_id=f"n{step_no}",
        choice_index=choice,
        target_node=f"n{step_no + 1}",
        meters_after={"trust": step_no, "reach": -1},
        score=step_no,
        seconds=4.0,
    )


def test_a_scenario_run_records_each_step_once(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    start = ScenarioRunStartRecord(new_key(), ada.person_id, "viral-video", "v1", NOW)
    step1 = _step(ada.person_id, start.run_id, 1)
    step2 = _step(ada.person_id, start.run_id, 2)
    other_choice = _step(ada.person_id, start.run_id, 2, choice=1)
    finish = ScenarioRunFinishRecord(new_key(), ada.person_id, start.run_id, "end-good", "good", 0.75, NOW)
    late = _step(ada.person_id, start.run_id, 3)
    with write_transaction(engine) as session:
        results = [
            scenario_runs.start_run(session, start),
            scenario_runs.start_run(session, start),
            scenario_runs.record_step(session, step1, now=NOW),
            scenario_runs.record_step(session, step2, now=NOW),
            scenario_runs.record_step(session, step2, now=NOW),
            scenario_runs.record_step(session, other_choice, now=NOW),
            scenario_runs.finish_run(session, finish),
            scenario_runs.finish_run(session, finish),
            scenario_runs.record_step(session, late, now=NOW),
            scenario_runs.record_step(session, step1, now=NOW),
        ]
    R, D, C = RecordOutcome.RECORDED, RecordOutcome.DUPLICATE, RecordOutcome.CONFLICT
    assert results == [R, D, R, R, D, C, R, D, C, D]
    with read_session(engine) as session:
        run = scenario_runs.get_run(session, start.run_id)
        steps = list(session.exec(select(ScenarioStep).order_by(ScenarioStep.step_no)))
        (entry,) = progress.list_progress(session, ada.person_id)
    assert run is not None
    assert (run.steps, run.ending_kind, run.score) == (2, "good", 0.75)
    assert [s.meters_after for s in steps] == [
        '{"reach": -1, "trust": 1}',
        '{"reach": -1, "trust": 2}',
    ]
    assert (entry.kind, entry.events, entry.best_score) == (ProgressKind.SCENARIO, 1, 0.75)


def test_a_run_cannot_be_continued_or_finished_by_someone_else(
    engine: Engine, make_person: MakePerson
) -> None:
    ada, bob = make_person(), make_person("bob@example.org")
    start = ScenarioRunStartRecord(new_key(), ada.person_id, "viral-video", "v1", NOW)
    with write_transaction(engine) as session:
        scenario_runs.start_run(session, start)
        stolen_start = ScenarioRunStartRecord(start.key, bob.person_id, "viral-video", "v1", NOW)
        assert scenario_runs.start_run(session, stolen_start) is RecordOutcome.CONFLICT
        step = _step(bob.person_id, start.run_id, 1)
        assert scenario_runs.record_step(session, step, now=NOW) is RecordOutcome.CONFLICT
        finish = ScenarioRunFinishRecord(new_key(), bob.person_id, start.run_id, "e", "bad", 0, NOW)
        assert scenario_runs.finish_run(session, finish) is RecordOutcome.CONFLICT
        unknown = _step(ada.person_id, "no-such-run", 1)
        assert scenario_runs.record_step(session, unknown, now=NOW) is RecordOutcome.CONFLICT


def test_attempts_on_two_content_versions_stay_apart(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, attempt(ada.person_id), now=NOW)
        newer = attempt(ada.person_id)
        newer = QuizAttemptRecord(**{**_fields(newer), "content_version": "v2"})
        attempts.record_quiz_attempt(session, newer, now=NOW)
    with read_session(engine) as session:
        versions = [a.content_version for a in attempts.list_attempts(session, ada.person_id)]
    assert versions == ["v1", "v2"]


def _fields(record: QuizAttemptRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def test_deleting_a_person_removes_their_work(engine: Engine, make_person: MakePerson) -> None:
    ada = make_person()
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, attempt(ada.person_id), now=NOW)
        session.connection().execute(text("DELETE FROM person WHERE id = :id"), {"id": ada.person_id})
    assert count(engine, "quiz_attempt") == count(engine, "quiz_answer") == count(engine, "progress") == 0
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(QuizAttempt)).one() == 0
