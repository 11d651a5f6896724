"""Privacy requests: export everything held about a person as JSON, or erase it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from course.domain.accounts import AccountRuleError, normalise_email
from course.domain.permissions import Action, Actor
from course.services.accounts import AccountError
from course.services.permissions import require
from course.store import audit, people, privacy
from course.store.engine import Engine, write_transaction

FORMAT = "need-to-share/person-export/1"


def _authorise(engine: Engine, by: Actor | None, action: Action) -> tuple[int | None, str]:
    if by is None:
        return None, "command line"
    require(engine, by, action)
    return by.person_id, by.email


def _email(raw: str) -> str:
    try:
        return normalise_email(raw)
    except AccountRuleError:
        return raw.strip().casefold()


def export_person(
    engine: Engine, email: str, *, by: Actor | None, now: datetime | None = None
) -> dict[str, object]:
    """Return everything held about the person, table by table (empty tables included)."""
    actor_id, actor_label = _authorise(engine, by, Action.EXPORT_PERSON)
    return _export(engine, _email(email), actor_id=actor_id, actor_label=actor_label,
                   kind="person_exported", now=now)


def export_own(engine: Engine, actor: Actor, *, now: datetime | None = None) -> dict[str, object]:
    """Return everything held about the signed-in person: their own records (audited)."""
    require(engine, actor, Action.VIEW_OWN_PROFILE)
    return _export(engine, actor.email, actor_id=actor.person_id, actor_label=actor.email,
                   kind="own_records_exported", now=now)


def _export(engine: Engine, normalised: str, *, actor_id: int | None, actor_label: str, kind: str,
            now: datetime | None) -> dict[str, object]:
    when = now or datetime.now(UTC)
    with write_transaction(engine) as session:
        person_id = people.find_person_id(session, normalised)
        if person_id is None:
            tables: dict[str, list[dict[str, object]]] = {}
        else:
            tables = privacy.export_rows(session, person_id, email=normalised)
        audit.record_event(
            session,
            kind,
            now=when,
            actor_id=actor_id,
            actor_label=actor_label,
            subject_id=person_id,
            subject_label=normalised,
        )
    return {
        "format": FORMAT,
        "email": normalised,
        "exported_at": when.isoformat(),
        "found": person_id is not None,
        "tables": tables,
    }


def render_readable(export: dict[str, object]) -> str:
    """Return the export as plain text a person can read: one heading per table, one block per row."""
    lines = [f"Records held about {export['email']}", f"Exported at {export['exported_at']}", ""]
    tables = export.get("tables")
    for name, rows in sorted(tables.items()) if isinstance(tables, dict) else ():
        if not rows:
            continue
        title = name.replace("_", " ").capitalize()
        lines += [title, "=" * len(title), ""]
        for row in rows:
            lines += [f"  {key}: {'' if value is None else value}" for key, value in sorted(row.items())]
            lines.append("")
    return "\n".join(lines)


def render_export(export: dict[str, object]) -> str:
    """Return the export as indented JSON text."""
    return json.dumps(export, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n"


def erase_person(
    engine: Engine, email: str, *, by: Actor | None, now: datetime | None = None
) -> bool:
    """Remove everything held about the person; return whether they existed.

    Audit entries are kept but no longer name the person. Erasing twice is harmless.
    """
    actor_id, actor_label = _authorise(engine, by, Action.ERASE_PERSON)
    normalised = _email(email)
    if by is not None and by.email == normalised:
        raise AccountError("you cannot erase yourself")
    with write_transaction(engine) as session:
        person_id = people.find_person_id(session, normalised)
        privacy.erase_rows(session, person_id, email=normalised)
        audit.record_event(
            session,
            "person_erased",
            now=now or datetime.now(UTC),
            actor_id=actor_id,
            actor_label=actor_label,
            subject_label=privacy.ERASED,
            detail={"found": person_id is not None},
        )
    return person_id is not None
