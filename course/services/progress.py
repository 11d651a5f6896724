"""Record learner work exactly once, and read progress back for learners and dashboards.

Every record carries an idempotency key made before the action: sending it again (a double
click, a retry, a replay) reports success and stores nothing new. Every function checks the
actor's permission on the server first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from course.domain.permissions import Action, Actor, Capability
from course.domain.records import (
    DepartmentProgress,
    ProgressEntry,
    QuizAttemptRecord,
    RecordOutcome,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
    SectionReadRecord,
)
from course.services.permissions import require, require_self
from course.store import attempts, progress, scenario_runs
from course.store.engine import Engine, read_session, run_write


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def record_section_read(
    engine: Engine, actor: Actor, record: SectionReadRecord, *, now: datetime | None = None
) -> RecordOutcome:
    """Record that the actor read a section (once per section and content version)."""
    require_self(engine, actor, Action.READ_SECTION, person_id=record.person_id)
    when = _now(now)
    return run_write(engine, lambda s: progress.record_section_read(s, record, now=when))


def record_quiz_attempt(
    engine: Engine, actor: Actor, record: QuizAttemptRecord, *, now: datetime | None = None
) -> RecordOutcome:
    """Record a graded quiz attempt with every answer, once per key."""
    require_self(engine, actor, Action.SUBMIT_QUIZ, person_id=record.person_id)
    when = _now(now)
    return run_write(engine, lambda s: attempts.record_quiz_attempt(s, record, now=when))


def start_scenario_run(
    engine: Engine, actor: Actor, record: ScenarioRunStartRecord
) -> RecordOutcome:
    """Record the start of a scenario run; the record's key is the run id."""
    require_self(engine, actor, Action.TAKE_CHOICE, person_id=record.person_id)
    return run_write(engine, lambda s: scenario_runs.start_run(s, record))


def record_scenario_step(
    engine: Engine, actor: Actor, record: ScenarioStepRecord, *, now: datetime | None = None
) -> RecordOutcome:
    """Record one choice in a run; a different choice for a step already taken is CONFLICT."""
    require_self(engine, actor, Action.TAKE_CHOICE, person_id=record.person_id)
    when = _now(now)
    return run_write(engine, lambda s: scenario_runs.record_step(s, record, now=when))


def finish_scenario_run(
    engine: Engine, actor: Actor, record: ScenarioRunFinishRecord
) -> RecordOutcome:
    """Record the ending of a run, once, and count it in the actor's progress."""
    require_self(engine, actor, Action.TAKE_CHOICE, person_id=record.person_id)
    return run_write(engine, lambda s: scenario_runs.finish_run(s, record))


def get_my_progress(engine: Engine, actor: Actor) -> list[ProgressEntry]:
    """Return the actor's own progress on every item they have touched."""
    require(engine, actor, Action.VIEW_OWN_PROFILE)
    with read_session(engine) as session:
        return progress.list_progress(session, actor.person_id)


def get_sections_read(
    engine: Engine, actor: Actor, *, module_id: str, content_version: str
) -> list[int]:
    """Return the sections of this module version the actor has read."""
    require(engine, actor, Action.READ_SECTION)
    with read_session(engine) as session:
        return progress.list_sections_read(
            session, actor.person_id, module_id=module_id, content_version=content_version
        )


def count_quiz_attempts(engine: Engine, actor: Actor, *, quiz_id: str) -> int:
    """Return how many attempts of the quiz the actor has made (for max_attempts)."""
    require(engine, actor, Action.SUBMIT_QUIZ)
    with read_session(engine) as session:
        return attempts.count_attempts(session, actor.person_id, quiz_id=quiz_id)


def get_department_progress(engine: Engine, actor: Actor) -> list[DepartmentProgress]:
    """Return progress summed per department, limited to the departments the actor may see."""
    require(engine, actor, Action.VIEW_DASHBOARD)
    scope = actor.grants.leader_departments
    if Capability.ADMIN in actor.grants.capabilities:
        scope = None
    with read_session(engine) as session:
        return progress.summarise_progress(session, departments=scope)
