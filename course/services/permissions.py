"""The check every page and action makes on the server, auditing each denial."""

from __future__ import annotations

from datetime import UTC, datetime

from course.domain.audit_log import AuditFilter
from course.domain.permissions import Action, Actor, Page
from course.store import audit
from course.store.audit import AuditEntry as AuditEntry  # re-exported for the pages
from course.store.engine import Engine, read_session, write_transaction


class PermissionDenied(Exception):
    """The actor may not do this; the denial has been written to the audit log."""

    def __init__(self, actor: Actor, target: Page | Action, reason: str = "") -> None:
        super().__init__(
            f"{actor.email} may not {target.value}" + (f": {reason}" if reason else "")
        )
        self.target = target
        self.reason = reason


def audit_denial(
    engine: Engine,
    actor: Actor,
    target: Page | Action,
    *,
    reason: str = "",
    address: str = "",
    now: datetime | None = None,
) -> None:
    """Write a permission denial to the audit log."""
    kind = "page_denied" if isinstance(target, Page) else "action_denied"
    with write_transaction(engine) as session:
        audit.record_event(
            session,
            kind,
            now=now or datetime.now(UTC),
            actor_id=actor.person_id,
            actor_label=actor.email,
            target=target.value,
            detail={"reason": reason} if reason else None,
            address=address,
        )


def check_allowed(
    engine: Engine, actor: Actor, target: Page | Action, *, address: str = ""
) -> bool:
    """Return whether the actor may open the page or do the action; audit it when not."""
    if actor.allows(target):
        return True
    audit_denial(engine, actor, target, address=address)
    return False


def require(engine: Engine, actor: Actor, target: Page | Action, *, address: str = "") -> None:
    """Raise PermissionDenied (after auditing it) unless the actor may do this."""
    if not check_allowed(engine, actor, target, address=address):
        raise PermissionDenied(actor, target)


def require_self(
    engine: Engine, actor: Actor, target: Action, *, person_id: int, address: str = ""
) -> None:
    """Require the action, performed by the actor on their own records only."""
    require(engine, actor, target, address=address)
    if person_id != actor.person_id:
        reason = f"record belongs to person {person_id}"
        audit_denial(engine, actor, target, reason=reason, address=address)
        raise PermissionDenied(actor, target, reason)


def record_audit_event(
    engine: Engine,
    actor: Actor,
    kind: str,
    *,
    target: str = "",
    detail: dict[str, object] | None = None,
    address: str = "",
    now: datetime | None = None,
) -> None:
    """Write an event done by the actor to the audit log.

    For events recorded outside this package, such as "content_published" (target: the
    content id, detail: its version) and "dashboard_exported".
    """
    with write_transaction(engine) as session:
        audit.record_event(
            session,
            kind,
            now=now or datetime.now(UTC),
            actor_id=actor.person_id,
            actor_label=actor.email,
            target=target,
            detail=detail,
            address=address,
        )


def list_audit_events(
    engine: Engine,
    actor: Actor,
    *,
    limit: int = 200,
    kind: str | None = None,
    where: AuditFilter | None = None,
    offset: int = 0,
) -> list[AuditEntry]:
    """Return the newest audit events first, for the admin audit page (one page of a filter)."""
    require(engine, actor, Action.VIEW_AUDIT)
    chosen = where or AuditFilter(kind=kind)
    with read_session(engine) as session:
        return audit.list_events(session, limit=limit, offset=offset, kind=chosen.kind or kind,
                                 person=chosen.person, since=chosen.since, until=chosen.until)


def audit_page(
    engine: Engine, actor: Actor, where: AuditFilter, *, limit: int, offset: int
) -> tuple[list[AuditEntry], int]:
    """Return one page of the events the filter matches, newest first, and how many match in all."""
    require(engine, actor, Action.VIEW_AUDIT)
    with read_session(engine) as session:
        return audit.search_events(session, limit=limit, offset=offset, kind=where.kind, person=where.person,
                                   since=where.since, until=where.until)
