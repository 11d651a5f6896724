"""Queries about people and the capabilities they hold."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, text, true, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from course.domain.accounts import PersonInfo
from course.domain.permissions import Capability, Grants
from course.store import cell_evidence
from course.store._sql import dialect_name
from course.store.tables import CapabilityGrant, Person


def _grants_of(rows: Iterable[CapabilityGrant]) -> Grants:
    return grants_from((row.capability, row.departments) for row in rows)


def grants_from(pairs: Iterable[tuple[str, str | None]]) -> Grants:
    """Return the grants described by (capability, departments) pairs read from the database."""
    capabilities: set[Capability] = set()
    departments: frozenset[str] | None = None
    for name, scope in pairs:
        capability = Capability(name)
        capabilities.add(capability)
        if capability is Capability.LEADER and scope:
            departments = frozenset(scope.split("|"))
    return Grants(capabilities=frozenset(capabilities), leader_departments=departments)


@functools.cache
def _grants_statement() -> Any:
    table = CapabilityGrant.__table__  # type: ignore[attr-defined]
    return sa_select(table.c.capability, table.c.departments).where(
        table.c.person_id == bindparam("person_id")
    )


def get_grants(session: Session, person_id: int) -> Grants:
    """Return the capabilities a person holds now (read on every interaction)."""
    rows = session.connection().execute(_grants_statement(), {"person_id": person_id})
    return _grants_of(
        CapabilityGrant(person_id=person_id, capability=capability, departments=departments)
        for capability, departments in rows
    )


def has_reports(session: Session, person_id: int) -> bool:
    """Tell whether any active person names this person as their manager on the roster."""
    table = Person.__table__  # type: ignore[attr-defined]
    statement = sa_select(table.c.id).where(table.c.manager_id == person_id,
                                            table.c.active.is_(True)).limit(1)
    return session.connection().execute(statement).first() is not None


def list_people(
    session: Session, *, emails: Iterable[str] | None = None, ids: Iterable[int] | None = None
) -> list[PersonInfo]:
    """Return people sorted by email: everyone, or those with the given emails or ids."""
    manager = aliased(Person)
    statement = (
        select(Person, manager.email)
        .join(manager, col(Person.manager_id) == manager.id, isouter=True)
        .order_by(Person.email)
    )
    if emails is not None:
        statement = statement.where(col(Person.email).in_(list(emails)))
    if ids is not None:
        statement = statement.where(col(Person.id).in_(list(ids)))
    rows = list(session.exec(statement))
    grants: dict[int, list[CapabilityGrant]] = {}
    person_ids = [person.id for person, _ in rows]
    for grant in session.exec(select(CapabilityGrant).where(col(CapabilityGrant.person_id).in_(person_ids))):
        grants.setdefault(grant.person_id, []).append(grant)
    return [
        PersonInfo(
            id=person.id,
            email=person.email,
            name=person.name,
            department=person.department,
            tracks=tuple(t for t in person.tracks.split(";") if t),
            manager_email=manager_email,
            active=person.active,
            grants=_grants_of(grants.get(person.id, [])),
            has_passphrase=person.passphrase_hash is not None,
            level=person.level,
        )
        for person, manager_email in rows
        if person.id is not None
    ]


def _matching(search: str) -> Any:
    """Return the condition: email, name or department contains the text (any case)."""
    text = search.strip().lower()
    if not text:
        return true()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape="\\")
                 for column in (col(Person.email), col(Person.name), col(Person.department))))


def search_people(session: Session, search: str, *, limit: int, offset: int) -> tuple[list[PersonInfo], int]:
    """Return one page of the people matching the search (by email), and how many match in all."""
    condition = _matching(search)
    total = int(session.exec(select(func.count()).select_from(Person).where(condition)).one())
    ids = list(session.exec(
        select(Person.id).where(condition).order_by(Person.email).limit(limit).offset(offset)
    ))
    return (list_people(session, ids=[i for i in ids if i is not None]) if ids else []), total


def list_departments(session: Session) -> list[str]:
    """Return every department someone belongs to, sorted."""
    statement = (
        select(Person.department).where(Person.department != "").distinct().order_by(Person.department)
    )
    return list(session.exec(statement))


def find_person(session: Session, email: str) -> PersonInfo | None:
    """Return the person with this (normalised) email, or None."""
    people = list_people(session, emails=[email])
    return people[0] if people else None


def get_person(session: Session, person_id: int) -> PersonInfo | None:
    """Return the person with this id, or None."""
    people = list_people(session, ids=[person_id])
    return people[0] if people else None


def find_person_id(session: Session, email: str) -> int | None:
    """Return the id of the person with this email, or None."""
    return session.exec(select(Person.id).where(Person.email == email)).first()


@functools.cache
def _passphrase_statement() -> Any:
    table = Person.__table__  # type: ignore[attr-defined]
    return sa_select(table.c.id, table.c.passphrase_hash, table.c.active).where(
        table.c.email == bindparam("email")
    )


def get_passphrase_hash(session: Session, email: str) -> tuple[int, str | None, bool] | None:
    """Return (id, passphrase hash, active) for the email, or None when nobody has it."""
    row = session.connection().execute(_passphrase_statement(), {"email": email}).first()
    if row is None:
        return None
    return int(row[0]), row[1], bool(row[2])


def count_accounts(session: Session) -> int:
    """Return how many people can sign in (they have a passphrase)."""
    statement = select(func.count()).select_from(Person).where(col(Person.passphrase_hash).is_not(None))
    return int(session.exec(statement).one())


def add_person(
    session: Session,
    email: str,
    *,
    name: str,
    department: str,
    tracks: Iterable[str],
    grants: Grants,
    now: datetime,
    manager_id: int | None = None,
    passphrase_hash: str | None = None,
    active: bool = True,
    level: str = "",
) -> int:
    """Insert a person with their capabilities and return the new id."""
    person = Person(
        email=email,
        name=name,
        department=department,
        tracks=";".join(tracks),
        level=level,
        manager_id=manager_id,
        active=active,
        passphrase_hash=passphrase_hash,
        created_at=now,
        updated_at=now,
    )
    session.add(person)
    session.flush()
    assert person.id is not None
    set_grants(session, person.id, grants=grants)
    return person.id


def update_person(
    session: Session,
    person_id: int,
    *,
    now: datetime,
    name: str | None = None,
    department: str | None = None,
    tracks: Iterable[str] | None = None,
    manager_id: int | None = None,
    clear_manager: bool = False,
    active: bool | None = None,
    level: str | None = None,
) -> None:
    """Change the given fields of a person (None leaves a field as it is)."""
    values: dict[str, object] = {"updated_at": now}
    if name is not None:
        values["name"] = name
    if department is not None:
        values["department"] = department
    if tracks is not None:
        values["tracks"] = ";".join(tracks)
    if manager_id is not None or clear_manager:
        values["manager_id"] = manager_id
    if active is not None:
        values["active"] = active
    if level is not None:
        values["level"] = level
    moves = any(v is not None for v in (department, tracks, active, level))
    # The dashboards' counts per reporting cell follow the person (course/store/cell_evidence.py).
    before = cell_evidence.cell_of(session, person_id, lock=True) if moves else None
    session.connection().execute(update(Person).where(col(Person.id) == person_id).values(values))
    if moves:
        after = cell_evidence.cell_of(session, person_id)
        cell_evidence.move_person(session, person_id, before=before, after=after)


def lock_people(session: Session, person_ids: Iterable[int]) -> None:
    """Hold these people's rows until the transaction ends, in id order (PostgreSQL).

    For a transaction that changes many people: each change moves the person's counts per
    reporting cell (course/store/cell_evidence.py), and an answer being stored for one of them
    holds their row while it waits for those cells. Taking every row first, in one order, means
    the import never holds a cell while it waits for a person.
    """
    ids = sorted(set(person_ids))
    if dialect_name(session) == "sqlite" or not ids:
        return  # SQLite serialises writers
    for start in range(0, len(ids), _CHUNK):
        session.connection().execute(
            text("SELECT id FROM person WHERE id IN :ids ORDER BY id FOR NO KEY UPDATE").bindparams(
                bindparam("ids", expanding=True)),
            {"ids": ids[start : start + _CHUNK]},
        )


def set_passphrase_hash(session: Session, person_id: int, *, passphrase_hash: str, now: datetime) -> None:
    """Store a new passphrase hash for the person."""
    session.connection().execute(
        update(Person)
        .where(col(Person.id) == person_id)
        .values(passphrase_hash=passphrase_hash, updated_at=now)
    )


def set_grants(session: Session, person_id: int, *, grants: Grants) -> None:
    """Replace the capabilities a person holds."""
    session.connection().execute(delete(CapabilityGrant).where(col(CapabilityGrant.person_id) == person_id))
    for capability in sorted(grants.capabilities):
        departments = ""
        if capability is Capability.LEADER and grants.leader_departments is not None:
            departments = "|".join(sorted(grants.leader_departments))
        session.add(
            CapabilityGrant(person_id=person_id, capability=capability.value, departments=departments)
        )
    session.flush()


# --- many people at once (roster import) -----------------------------------------------------

#: Emails per lookup statement, well under every driver's limit on bound values.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class NewPerson:
    """A person to insert with add_people."""

    email: str
    name: str
    department: str
    tracks: tuple[str, ...]
    grants: Grants
    level: str = ""


def find_person_ids(session: Session, emails: Sequence[str]) -> dict[str, int]:
    """Return the ids of the people with these emails, by email, a few hundred per statement."""
    table = Person.__table__  # type: ignore[attr-defined]
    found: dict[str, int] = {}
    for start in range(0, len(emails), _CHUNK):
        chunk = list(emails[start : start + _CHUNK])
        statement = sa_select(table.c.email, table.c.id).where(table.c.email.in_(chunk))
        rows = session.connection().execute(statement)
        found.update({email: int(person_id) for email, person_id in rows})
    return found


def _grant_rows(person_id: int, grants: Grants) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for capability in sorted(grants.capabilities):
        departments = ""
        if capability is Capability.LEADER and grants.leader_departments is not None:
            departments = "|".join(sorted(grants.leader_departments))
        rows.append({"person_id": person_id, "capability": capability.value, "departments": departments})
    return rows


def add_people(session: Session, new: Sequence[NewPerson], *, now: datetime) -> dict[str, int]:
    """Insert people and their capabilities in a few statements; return their ids by email."""
    if not new:
        return {}
    session.connection().execute(
        insert(Person.__table__),  # type: ignore[attr-defined]
        [{"email": p.email, "name": p.name, "department": p.department, "tracks": ";".join(p.tracks),
          "level": p.level, "manager_id": None, "active": True, "passphrase_hash": None,
          "created_at": now, "updated_at": now} for p in new],
    )
    ids = find_person_ids(session, [p.email for p in new])
    grants = [row for p in new for row in _grant_rows(ids[p.email], p.grants)]
    if grants:
        session.connection().execute(insert(CapabilityGrant.__table__), grants)  # type: ignore[attr-defined]
    return ids


def set_managers(session: Session, managers: Sequence[tuple[int, int | None]], *, now: datetime) -> None:
    """Set each (person id, manager id or None) pair in one statement per batch."""
    if not managers:
        return
    table = Person.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("person"))
        .values(manager_id=bindparam("manager"), updated_at=now)
    )
    session.connection().execute(statement, [{"person": p, "manager": m} for p, m in managers])
