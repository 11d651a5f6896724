"""The server-side check: every capability against every page and action, denials audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from course.domain.permissions import PERMISSIONS, Action, Actor, Capability, Page
from course.services.permissions import (
    PermissionDenied,
    check_allowed,
    list_audit_events,
    record_audit_event,
    require,
)
from course.store import audit
from course.store.engine import read_session

MakePerson = Callable[..., Actor]


def test_the_whole_matrix_is_enforced_and_every_denial_audited(
    engine: Engine, make_person: MakePerson
) -> None:
    denied: list[tuple[str, str]] = []
    for capability in Capability:
        actor = make_person(f"{capability.value}@example.org", capabilities=capability.value)
        for target in (*Page, *Action):
            allowed = check_allowed(engine, actor, target, address="10.1.2.3")
            assert allowed == (capability in PERMISSIONS[target]), (capability, target)
            if not allowed:
                denied.append((actor.email, target.value))
    with read_session(engine) as session:
        entries = audit.list_events(session, limit=1000)
    audited = sorted((e.actor, e.target) for e in entries)
    assert audited == sorted(denied)
    assert {e.kind for e in entries} == {"page_denied", "action_denied"}
    assert {e.address for e in entries} == {"10.1.2.3"}


def test_require_raises_after_auditing(engine: Engine, make_person: MakePerson) -> None:
    learner = make_person()
    require(engine, learner, Page.MODULE)
    with pytest.raises(PermissionDenied, match="may not admin_audit"):
        require(engine, learner, Page.ADMIN_AUDIT)
    with read_session(engine) as session:
        (entry,) = audit.list_events(session)
    assert (entry.kind, entry.target) == ("page_denied", "admin_audit")


def test_publication_is_audited_and_only_admins_read_the_log(
    engine: Engine, make_person: MakePerson
) -> None:
    trainer = make_person("tess@example.org", capabilities="trainer")
    admin = make_person("root@example.org", capabilities="admin")
    record_audit_event(
        engine, trainer, "content_published", target="listening-first", detail={"version": "ab12"}
    )
    with pytest.raises(PermissionDenied):
        list_audit_events(engine, trainer)
    (published,) = list_audit_events(engine, admin, kind="content_published")
    assert (published.actor, published.target, published.detail) == (
        "tess@example.org",
        "listening-first",
        {"version": "ab12"},
    )
