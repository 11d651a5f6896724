"""The audit log on the server: filters combined in SQL, paging with a total, admins only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from course.domain.audit_log import AuditFilter
from course.domain.permissions import Actor
from course.services.permissions import PermissionDenied, audit_page
from course.store import audit
from course.store.engine import read_session, write_transaction

MakePerson = Callable[..., Actor]


def _record(
    engine: Engine, kind: str, day: int, *, actor: Actor | None = None, subject: Actor | None = None
) -> None:
    with write_transaction(engine) as session:
        audit.record_event(
            session,
            kind,
            now=datetime(2026, 5, day, 12, tzinfo=UTC),
            actor_id=None if actor is None else actor.person_id,
            actor_label="" if actor is None else actor.email,
            subject_id=None if subject is None else subject.person_id,
            subject_label="" if subject is None else subject.email,
        )


def test_filters_combine_and_pages_carry_the_total(engine: Engine, make_person: MakePerson) -> None:
    admin = make_person("ada@example.org", capabilities="admin", name="Ada Lovelace")
    bo = make_person("bo@example.org", name="Bo Chen")
    for day in (1, 2, 3):
        _record(engine, "sign_in", day, actor=bo)
        _record(engine, "sign_in_failed", day)
        _record(engine, "capabilities_changed", day, actor=admin, subject=bo)
    everything, total = audit_page(engine, admin, AuditFilter(), limit=4, offset=0)
    assert total == 9 and len(everything) == 4
    rest, again = audit_page(engine, admin, AuditFilter(), limit=4, offset=8)
    assert again == 9 and len(rest) == 1
    assert audit_page(engine, admin, AuditFilter(), limit=4, offset=20) == ([], 9)

    by_name, total = audit_page(engine, admin, AuditFilter(person="CHEN"), limit=50, offset=0)
    assert total == 6 and {e.kind for e in by_name} == {"sign_in", "capabilities_changed"}
    assert {e.actor_name for e in by_name} == {"Bo Chen", "Ada Lovelace"}
    combined, total = audit_page(
        engine,
        admin,
        AuditFilter(kind="sign_in", person="bo@", since=date(2026, 5, 2), until=date(2026, 5, 2)),
        limit=50,
        offset=0,
    )
    assert total == 1 and [(e.kind, e.at.day) for e in combined] == [("sign_in", 2)]
    assert audit_page(engine, admin, AuditFilter(person="100%_"), limit=50, offset=0) == ([], 0)


def test_a_forged_request_by_a_non_admin_is_refused_and_audited(
    engine: Engine, make_person: MakePerson
) -> None:
    learner = make_person("lee@example.org")
    with pytest.raises(PermissionDenied):
        audit_page(engine, learner, AuditFilter(), limit=50, offset=0)
    with read_session(engine) as session:
        denied = audit.list_events(session, kind="action_denied")
    assert [(e.actor, e.target) for e in denied] == [("lee@example.org", "view_audit")]
