"""Saved versions of content files and trainers' unsaved drafts (content_revision, studio_draft).

Versions of a path are numbered from 1. Adding one is a compare-and-set: the caller names the
number it expects to write (one more than the version its edit started from) and the unique
(path, number) refuses the second of two saves that started from the same version, on SQLite
and on PostgreSQL alike (there the second insert waits for the first transaction, then fails).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from course.store._sql import insert_ignoring_conflicts
from course.store.tables import ContentRevision, Person, StudioDraft

#: The kinds of version the studio published (checked then), as opposed to old history imported
#: or a file as it was found on disk.
SERVED_KINDS = ("published", "restored")


class VersionTaken(RuntimeError):
    """Another save added this version number first; nothing was added."""


@dataclass(frozen=True, slots=True)
class Revision:
    """One saved version of a content file, with who saved it (their name; "" when unknown)."""

    id: int
    path: str
    number: int
    hash: str
    kind: str
    author: str
    message: str
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class NewRevision:
    """A version to add: its text, hash and kind, who saved it and why."""

    text: str
    hash: str
    kind: str
    author_id: int | None
    message: str
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class StudioDraftRow:
    """A trainer's unsaved edit of a file, and the version number it started from."""

    path: str
    text: str
    hash: str
    base_number: int
    updated_at: datetime


def _revisions() -> Any:
    revision, person = ContentRevision.__table__, Person.__table__  # type: ignore[attr-defined]
    return (
        select(revision.c.id, revision.c.path, revision.c.number, revision.c.hash, revision.c.kind,
               func.coalesce(person.c.name, ""), revision.c.message, revision.c.saved_at)
        .select_from(revision.outerjoin(person, person.c.id == revision.c.author_id))
    )


def _revision(row: Any) -> Revision:
    values = tuple(row)
    return Revision(int(values[0]), str(values[1]), int(values[2]), str(values[3]), str(values[4]),
                    str(values[5]), str(values[6]), values[7])


def latest(session: Session, path: str) -> Revision | None:
    """Return the newest version of a path, or None when it has none."""
    revision = ContentRevision.__table__  # type: ignore[attr-defined]
    statement = _revisions().where(revision.c.path == path)
    row = session.connection().execute(statement.order_by(revision.c.number.desc()).limit(1)).first()
    return None if row is None else _revision(row)


def history(session: Session, path: str, *, limit: int = 200) -> tuple[Revision, ...]:
    """Return the versions of a path, newest first (at most `limit`)."""
    revision = ContentRevision.__table__  # type: ignore[attr-defined]
    statement = _revisions().where(revision.c.path == path)
    rows = session.connection().execute(statement.order_by(revision.c.number.desc()).limit(limit))
    return tuple(_revision(row) for row in rows)


def revision_text(session: Session, path: str, number: int) -> str | None:
    """Return the text of one version of a path, or None when there is no such version."""
    text = session.connection().execute(
        select(col(ContentRevision.text)).where(
            col(ContentRevision.path) == path, col(ContentRevision.number) == number)
    ).scalar()
    return None if text is None else str(text)


def latest_texts(session: Session, paths: list[str], *,
                 kinds: tuple[str, ...] | None = None) -> dict[str, tuple[str, str]]:
    """Return the newest (text, hash) of each of the paths that has a version (of these kinds)."""
    if not paths:
        return {}
    chosen = [col(ContentRevision.path).in_(paths)]
    if kinds is not None:
        chosen.append(col(ContentRevision.kind).in_(kinds))
    newest = (select(col(ContentRevision.path), func.max(col(ContentRevision.number)).label("n"))
              .where(*chosen).group_by(col(ContentRevision.path)).subquery())
    rows = session.connection().execute(
        select(col(ContentRevision.path), col(ContentRevision.text), col(ContentRevision.hash))
        .join(newest, (newest.c.path == col(ContentRevision.path))
              & (newest.c.n == col(ContentRevision.number))))
    return {str(path): (str(text), str(digest)) for path, text, digest in rows}


def version_hashes(session: Session) -> list[tuple[str, int, str, str]]:
    """Return (path, number, hash, kind) of every stored version, without the texts."""
    rows = session.connection().execute(select(
        col(ContentRevision.path), col(ContentRevision.number), col(ContentRevision.hash),
        col(ContentRevision.kind)))
    return [(str(path), int(number), str(digest), str(kind)) for path, number, digest, kind in rows]


def content_version(session: Session) -> int:
    """Return the content version: the id of the newest saved version anywhere (0 when none)."""
    return int(session.connection().execute(select(func.max(col(ContentRevision.id)))).scalar() or 0)


def paths_changed_since(session: Session, version: int) -> list[str]:
    """Return the paths published or restored after the content version given."""
    rows = session.connection().execute(
        select(col(ContentRevision.path)).where(
            col(ContentRevision.id) > version, col(ContentRevision.kind).in_(SERVED_KINDS)).distinct())
    return sorted(str(row[0]) for row in rows)


def add_revision(session: Session, path: str, number: int, new: NewRevision) -> int:
    """Add version `number` of a path and return its id, or raise VersionTaken.

    The insert runs in a savepoint, so a refused one leaves the caller's transaction usable.
    """
    values = {"path": path, "number": number, "text": new.text, "hash": new.hash, "kind": new.kind,
              "author_id": new.author_id, "message": new.message, "saved_at": new.saved_at}
    try:
        with session.begin_nested():
            result = session.connection().execute(
                insert(ContentRevision.__table__).values(values)  # type: ignore[attr-defined]
                .returning(ContentRevision.__table__.c.id))  # type: ignore[attr-defined]
            return int(result.scalar_one())
    except IntegrityError as exc:
        raise VersionTaken(f"version {number} of {path} was saved by someone else first") from exc


def import_revision(session: Session, path: str, new: NewRevision) -> bool:
    """Add a version after the newest of its path unless one with this hash and time exists."""
    exists = session.exec(select(col(ContentRevision.id)).where(  # type: ignore[call-overload]
        col(ContentRevision.path) == path, col(ContentRevision.hash) == new.hash,
        col(ContentRevision.saved_at) == new.saved_at)).first()
    if exists is not None:
        return False
    newest = latest(session, path)
    add_revision(session, path, (newest.number if newest else 0) + 1, new)
    return True


# --- Drafts ------------------------------------------------------------------------------------


def get_draft(session: Session, person_id: int, path: str) -> StudioDraftRow | None:
    """Return the person's unsaved edit of a path, if any."""
    row = session.exec(select(StudioDraft).where(  # type: ignore[call-overload]
        col(StudioDraft.person_id) == person_id, col(StudioDraft.path) == path)).first()
    if row is None:
        return None
    draft = row[0] if not isinstance(row, StudioDraft) else row
    return StudioDraftRow(draft.path, draft.text, draft.hash, draft.base_number, draft.updated_at)


def put_draft(session: Session, person_id: int, draft: StudioDraftRow) -> None:
    """Store the person's unsaved edit of a path, replacing the one they had."""
    values = {"person_id": person_id, "path": draft.path, "text": draft.text, "hash": draft.hash,
              "base_number": draft.base_number, "updated_at": draft.updated_at}
    if insert_ignoring_conflicts(session, StudioDraft.__table__, values) is None:  # type: ignore[attr-defined]
        session.connection().execute(
            StudioDraft.__table__.update()  # type: ignore[attr-defined]
            .where(StudioDraft.__table__.c.person_id == person_id,  # type: ignore[attr-defined]
                   StudioDraft.__table__.c.path == draft.path)  # type: ignore[attr-defined]
            .values(text=draft.text, hash=draft.hash, base_number=draft.base_number,
                    updated_at=draft.updated_at))


def drop_draft(session: Session, person_id: int, path: str) -> None:
    """Remove the person's draft of a path (after it is saved, or discarded)."""
    session.connection().execute(delete(StudioDraft).where(
        col(StudioDraft.person_id) == person_id, col(StudioDraft.path) == path))


def texts_by_hash(session: Session, hashes: list[str]) -> dict[str, tuple[str, str]]:
    """Return (path, text) of a stored version with each of the hashes that has one."""
    if not hashes:
        return {}
    rows = session.connection().execute(
        select(col(ContentRevision.hash), col(ContentRevision.path), col(ContentRevision.text))
        .where(col(ContentRevision.hash).in_(sorted(set(hashes))))
        .order_by(col(ContentRevision.id)))
    return {str(digest): (str(path), str(body)) for digest, path, body in rows}
