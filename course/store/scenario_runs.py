"""Scenario runs and their steps, each stored once per idempotency key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from course.domain.records import (
    ProgressKind,
    RecordOutcome,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
)
from course.store import evidence_slots
from course.store._sql import insert_ignoring_conflicts
from course.store.progress import bump_progress
from course.store.tables import ScenarioRun, ScenarioStep


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A stored run: where it stands and how it ended."""

    run_id: str
    scenario_id: str
    content_version: str
    started_at: datetime
    steps: int
    finished_at: datetime | None
    ending_kind: str | None
    score: float | None


def start_run(session: Session, record: ScenarioRunStartRecord) -> RecordOutcome:
    """Store the start of a run once; its key is the run's id."""
    inserted = insert_ignoring_conflicts(
        session,
        ScenarioRun.__table__,  # type: ignore[attr-defined]
        {
            "run_key": record.key,
            "person_id": record.person_id,
            "scenario_id": record.scenario_id,
            "content_version": record.content_version,
            "started_at": record.started_at,
            "steps": 0,
        },
    )
    if inserted is not None:
        return RecordOutcome.RECORDED
    run = _find_run(session, record.key)
    same = run is not None and run.person_id == record.person_id
    return RecordOutcome.DUPLICATE if same else RecordOutcome.CONFLICT


def _find_run(session: Session, run_key: str) -> ScenarioRun | None:
    return session.exec(select(ScenarioRun).where(ScenarioRun.run_key == run_key)).first()


def record_step(session: Session, record: ScenarioStepRecord, *, now: datetime) -> RecordOutcome:
    """Store one step of a run once; another choice for a step already taken is a conflict."""
    run = _find_run(session, record.run_id)
    if run is None or run.id is None or run.person_id != record.person_id:
        return RecordOutcome.CONFLICT
    if run.finished_at is not None:
        return _repeat_or_conflict(session, record.key, run_id=run.id)
    inserted = insert_ignoring_conflicts(
        session,
        ScenarioStep.__table__,  # type: ignore[attr-defined]
        {
            "key": record.key,
            "run_id": run.id,
            "step_no": record.step_no,
            "node_id": record.node_id,
            "choice_index": record.choice_index,
            "target_node": record.target_node,
            "meters_after": json.dumps(record.meters_after, sort_keys=True),
            "score": record.score,
            "seconds": record.seconds,
            "recorded_at": now,
        },
    )
    if inserted is None:
        return _repeat_or_conflict(session, record.key, run_id=run.id)
    session.connection().execute(
        update(ScenarioRun).where(col(ScenarioRun.id) == run.id).values(steps=ScenarioRun.steps + 1)
    )
    return RecordOutcome.RECORDED


def _repeat_or_conflict(session: Session, key: str, *, run_id: int) -> RecordOutcome:
    existing = session.exec(select(ScenarioStep.run_id).where(ScenarioStep.key == key)).first()
    return RecordOutcome.DUPLICATE if existing == run_id else RecordOutcome.CONFLICT


def finish_run(session: Session, record: ScenarioRunFinishRecord) -> RecordOutcome:
    """Store the ending of a run once and count it in the person's progress."""
    run = _find_run(session, record.run_id)
    if run is None or run.id is None or run.person_id != record.person_id:
        return RecordOutcome.CONFLICT
    result = session.connection().execute(
        update(ScenarioRun)
        .where(col(ScenarioRun.id) == run.id, col(ScenarioRun.finish_key).is_(None))
        .values(
            finish_key=record.key,
            finished_at=record.finished_at,
            ending_node=record.ending_node,
            ending_kind=record.ending_kind,
            score=record.score,
        )
    )
    if result.rowcount == 0:
        session.expire(run)
        finished = _find_run(session, record.run_id)
        same = finished is not None and finished.finish_key == record.key
        return RecordOutcome.DUPLICATE if same else RecordOutcome.CONFLICT
    if record.score is not None:
        evidence_slots.record_run(session, record.person_id, scenario_id=run.scenario_id,
                                  at=record.finished_at, score=record.score)
    bump_progress(
        session,
        record.person_id,
        kind=ProgressKind.SCENARIO,
        item_id=run.scenario_id,
        content_version=run.content_version,
        now=record.finished_at,
        score=record.score,
        passed=True,
    )
    return RecordOutcome.RECORDED


def get_run(session: Session, run_id: str) -> RunSummary | None:
    """Return a stored run by its id (the key of its start), or None."""
    run = _find_run(session, run_id)
    return None if run is None else _summary(run)


def list_runs(session: Session, person_id: int, *, scenario_id: str | None = None) -> list[RunSummary]:
    """Return a person's runs, oldest first (of one scenario, or of all)."""
    statement = select(ScenarioRun).where(ScenarioRun.person_id == person_id)
    if scenario_id is not None:
        statement = statement.where(ScenarioRun.scenario_id == scenario_id)
    return [_summary(run) for run in session.exec(statement.order_by(col(ScenarioRun.id)))]


def _summary(run: ScenarioRun) -> RunSummary:
    return RunSummary(
        run_id=run.run_key,
        scenario_id=run.scenario_id,
        content_version=run.content_version,
        started_at=run.started_at,
        steps=run.steps,
        finished_at=run.finished_at,
        ending_kind=run.ending_kind,
        score=run.score,
    )


@dataclass(frozen=True, slots=True)
class StoredStep:
    """A recorded step of a run, as the run's replay needs it."""

    step_no: int
    node_id: str
    choice_index: int
    target_node: str
    meters_after: dict[str, int]
    score: int


def list_steps(session: Session, run_id: str) -> list[StoredStep]:
    """Return the steps of a run in order."""
    run = _find_run(session, run_id)
    if run is None:
        return []
    rows = session.exec(
        select(ScenarioStep).where(ScenarioStep.run_id == run.id).order_by(col(ScenarioStep.step_no))
    )
    return [
        StoredStep(r.step_no, r.node_id, r.choice_index, r.target_node, json.loads(r.meters_after), r.score)
        for r in rows
    ]


def find_open_run(
    session: Session, person_id: int, *, scenario_id: str, content_version: str
) -> RunSummary | None:
    """Return the person's latest unfinished run of this scenario version, if any."""
    run = session.exec(
        select(ScenarioRun)
        .where(
            ScenarioRun.person_id == person_id,
            ScenarioRun.scenario_id == scenario_id,
            ScenarioRun.content_version == content_version,
            col(ScenarioRun.finished_at).is_(None),
        )
        .order_by(col(ScenarioRun.id).desc())
    ).first()
    return None if run is None else _summary(run)
