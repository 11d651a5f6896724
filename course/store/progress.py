"""Progress counters and section reads. Counters change in the transaction of their rows."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import case, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from course.domain.records import (
    ProgressEntry,
    ProgressKind,
    RecordOutcome,
    SectionReadRecord,
)
from course.store._sql import dialect_name, insert_ignoring_conflicts
from course.store.tables import Progress, SectionRead


@functools.cache
def _bump_statement(dialect: str) -> Any:
    # Built once per dialect: constructing the upsert costs more than running it.
    table = Progress.__table__  # type: ignore[attr-defined]
    statement = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.person_id, table.c.kind, table.c.item_id],
        set_={
            "events": table.c.events + 1,
            "best_score": case(
                (table.c.best_score.is_(None), new.best_score),
                (new.best_score > table.c.best_score, new.best_score),
                else_=table.c.best_score,
            ),
            "passed": or_(table.c.passed, new.passed),
            "content_version": new.content_version,
            "updated_at": new.updated_at,
        },
    )


def bump_progress(
    session: Session,
    person_id: int,
    *,
    kind: ProgressKind,
    item_id: str,
    content_version: str,
    now: datetime,
    score: float | None = None,
    passed: bool = False,
) -> None:
    """Count one more event for a person and item, keeping the best score and any pass."""
    statement = _bump_statement(dialect_name(session))
    values = {
        "person_id": person_id,
        "kind": kind.value,
        "item_id": item_id,
        "events": 1,
        "best_score": score,
        "passed": passed,
        "content_version": content_version,
        "updated_at": now,
    }
    session.connection().execute(statement, values)


def record_section_read(session: Session, record: SectionReadRecord, *, now: datetime) -> RecordOutcome:
    """Store a section read once; reading the same section again changes nothing."""
    table = SectionRead.__table__  # type: ignore[attr-defined]
    inserted = insert_ignoring_conflicts(
        session,
        table,
        {
            "key": record.key,
            "person_id": record.person_id,
            "module_id": record.module_id,
            "content_version": record.content_version,
            "section_index": record.section_index,
            "read_at": now,
        },
    )
    if inserted is None:
        return RecordOutcome.DUPLICATE
    bump_progress(
        session,
        record.person_id,
        kind=ProgressKind.MODULE,
        item_id=record.module_id,
        content_version=record.content_version,
        now=now,
    )
    return RecordOutcome.RECORDED


def list_progress(session: Session, person_id: int) -> list[ProgressEntry]:
    """Return a person's progress on every item they have touched."""
    statement = (
        select(Progress)
        .where(Progress.person_id == person_id)
        .order_by(col(Progress.kind), col(Progress.item_id))
    )
    return [
        ProgressEntry(
            kind=ProgressKind(row.kind),
            item_id=row.item_id,
            events=row.events,
            best_score=row.best_score,
            passed=row.passed,
            content_version=row.content_version,
            updated_at=row.updated_at,
        )
        for row in session.exec(statement)
    ]


def list_all_sections_read(session: Session, person_id: int) -> dict[tuple[str, str], set[int]]:
    """Return the sections a person has read, keyed by (module id, content version)."""
    statement = select(SectionRead.module_id, SectionRead.content_version, SectionRead.section_index).where(
        SectionRead.person_id == person_id
    )
    found: dict[tuple[str, str], set[int]] = {}
    for module_id, version, index in session.exec(statement):
        found.setdefault((module_id, version), set()).add(index)
    return found
