"""Record a section read and the start of a scenario run exactly once.

Every record carries an idempotency key made before the action: sending it again (a double
click, a retry, a replay) reports success and stores nothing new. Every function checks the
actor's permission on the server first. Quiz attempts and scenario steps are recorded inside
the transactions of services/quizzing.py and services/playing.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from course.domain.permissions import Action, Actor
from course.domain.records import RecordOutcome, ScenarioRunStartRecord, SectionReadRecord
from course.domain.xapi import Statement
from course.services.permissions import require_self
from course.store import progress, scenario_runs, xapi_outbox
from course.store.engine import Engine, Session, run_write


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def record_section_read(
    engine: Engine, actor: Actor, record: SectionReadRecord, *, now: datetime | None = None,
    statements: Sequence[Statement] = (),
) -> RecordOutcome:
    """Record that the actor read a section (once per section and content version).

    The read's xAPI `statements` (if an LRS is connected) are queued in the same transaction.
    """
    require_self(engine, actor, Action.READ_SECTION, person_id=record.person_id)
    when = _now(now)

    def write(session: Session) -> RecordOutcome:
        outcome = progress.record_section_read(session, record, now=when)
        if outcome is RecordOutcome.RECORDED:
            xapi_outbox.queue_statements(session, statements, now=when)
        return outcome

    return run_write(engine, write)


def start_scenario_run(
    engine: Engine, actor: Actor, record: ScenarioRunStartRecord
) -> RecordOutcome:
    """Record the start of a scenario run; the record's key is the run id."""
    require_self(engine, actor, Action.TAKE_CHOICE, person_id=record.person_id)
    return run_write(engine, lambda s: scenario_runs.start_run(s, record))
