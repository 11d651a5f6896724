"""Reading a module: one section at a time, each read recorded once."""

from __future__ import annotations

from datetime import UTC, datetime

from course.domain.model import Course
from course.domain.permissions import Action, Actor
from course.domain.records import RecordOutcome, SectionReadRecord
from course.domain.xapi import ItemRef, build_section_read
from course.services import progress
from course.services.learner import ModuleStatus, NotAvailable, find_module_on_path, get_path
from course.services.learning_records import context_for
from course.services.permissions import require
from course.store.engine import Engine


def open_module(engine: Engine, actor: Actor, course: Course, module_id: str) -> ModuleStatus:
    """Return a module of the learner's path with what they have read, if it is unlocked."""
    require(engine, actor, Action.READ_SECTION)
    return find_module_on_path(get_path(engine, actor, course), module_id)


def mark_section_read(
    engine: Engine, actor: Actor, course: Course, module_id: str, *, section_index: int, key: str,
    now: datetime | None = None,
) -> RecordOutcome:
    """Record that the learner read a section; the key makes a repeat harmless."""
    status = open_module(engine, actor, course, module_id)
    module = status.module
    if not 0 <= section_index < len(module.sections):
        raise NotAvailable(f"module '{module_id}' has no section {section_index + 1}")
    record = SectionReadRecord(key=key, person_id=actor.person_id, module_id=module_id,
                               content_version=module.meta.version, section_index=section_index)
    when = now or datetime.now(UTC)
    ctx = context_for(engine, course)
    statements = () if ctx is None else (build_section_read(
        ctx, key=key, person_id=actor.person_id,
        module=ItemRef(module_id, module.meta.title, module.meta.version),
        section_index=section_index, section_title=module.sections[section_index].title, at=when),)
    return progress.record_section_read(engine, actor, record, now=when, statements=statements)
