"""The content every process serves is what the studio published, as kept in the database.

- **The content version** is the id of the newest saved version of any file. Each process
  reads it on every signed-in rerun, in the statement that checks the session (an indexed MAX,
  so no statement of its own). At its first look a process brings up to date the files that
  hold an older saved version (saves it missed while stopped), never a file edited outside the
  app; after that, when another process has published, this
  process writes the versions it has not seen to its own content folder (unless the file there
  already has that text) so its next load serves them. On one host the files are already
  written; on several hosts each keeps its own folder current this way.
- **A process that starts while a file is broken** serves that file's items from its newest
  saved version in the database (`published_texts`, used by the loader's last-valid fallback),
  so it serves what its peers serve rather than dropping the items.
- **A history folder left by an earlier release** (`<data folder>/content-history`) is imported
  once at start; the folder is then renamed `content-history.imported` and may be deleted.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from course.services.database import Engine
from course.services.studio_files import (
    PathRefused,
    current_hash,
    normalise,
    resolve_path,
    text_hash,
    write_atomically,
)
from course.store import content_history
from course.store.content_history import NewRevision, VersionTaken
from course.store.engine import read_session, write_transaction

#: The folder earlier releases kept previous versions in, inside the data folder.
HISTORY_FOLDER = "content-history"
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass
class Follower:
    """The content version this process has caught up with (None before its first look)."""

    seen: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def follow(engine: Engine, root: Path, follower: Follower, *, version: int | None = None) -> tuple[str, ...]:
    """Catch up with versions other processes published; return the files written here.

    `version` is the content version when the caller has read it already (the sign-in check
    reads it in its own statement); otherwise it is read here, in one statement. Nothing more
    is read when it has not changed. The first call only notes the version: files edited on
    disk while the app was stopped are not overwritten at start.
    """
    if version is None:
        with read_session(engine) as session:
            version = content_history.content_version(session)
    if version == follower.seen:
        return ()
    with follower.lock:
        if follower.seen is None:
            follower.seen = version
            return _catch_up_at_start(engine, root)
        if version < follower.seen:  # the database was restored from a backup
            follower.seen = version
            return ()
        with read_session(engine) as session:
            paths = content_history.paths_changed_since(session, follower.seen)
            texts = content_history.latest_texts(session, paths, kinds=content_history.SERVED_KINDS)
        written = tuple(path for path, (text, digest) in sorted(texts.items())
                        if _bring_up_to_date(root, path, text, digest))
        follower.seen = version
        return written


def _lagging(root: Path, versions: list[tuple[str, int, str, str]]) -> list[str]:
    """Return the paths whose file holds an older saved version than the newest published one."""
    by_path: dict[str, list[tuple[int, str, str]]] = {}
    for path, number, digest, kind in versions:
        by_path.setdefault(path, []).append((number, digest, kind))
    lagging = []
    for path, found in sorted(by_path.items()):
        served = [(n, d) for n, d, kind in found if kind in content_history.SERVED_KINDS]
        if not served:
            continue
        newest, digest = max(served)
        older = {d for n, d, _ in found if n < newest}
        try:
            on_disk = current_hash(root, path)
        except PathRefused:
            continue
        if on_disk != digest and on_disk in older:
            lagging.append(path)
    return lagging


def _catch_up_at_start(engine: Engine, root: Path) -> tuple[str, ...]:
    with read_session(engine) as session:
        lagging = _lagging(root, content_history.version_hashes(session))
        texts = content_history.latest_texts(session, lagging, kinds=content_history.SERVED_KINDS)
    return tuple(path for path, (text, digest) in sorted(texts.items())
                 if _bring_up_to_date(root, path, text, digest))


def _bring_up_to_date(root: Path, relative: str, text: str, digest: str) -> bool:
    try:
        if current_hash(root, relative) == digest:
            return False
        write_atomically(resolve_path(root, relative), text)
    except PathRefused:
        return False  # a path this content folder does not allow (a renamed folder): left alone
    return True


def published_texts(engine: Engine, paths: tuple[str, ...]) -> dict[str, str]:
    """Return the newest text the studio published (or restored) of each path that has one.

    Those texts were checked against the course when they were saved; a file as found on disk
    or imported history was not, so it is not offered as a fallback.
    """
    with read_session(engine) as session:
        found = content_history.latest_texts(session, list(paths), kinds=content_history.SERVED_KINDS)
    return {path: text for path, (text, _) in found.items()}


@dataclass(frozen=True, slots=True)
class Imported:
    """What importing a history folder found: versions added, and files it could not use."""

    added: int
    skipped: tuple[str, ...]


def _versions_in(folder: Path) -> list[tuple[datetime, str, str, Path]]:
    """Return (time, relative path, hash, file) of every kept version, oldest first."""
    found = []
    for entry in folder.rglob("*"):
        if not entry.is_file():
            continue
        stamp, _, rest = entry.stem.partition("-")
        try:
            when = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        relative = entry.parent.relative_to(folder).as_posix()
        found.append((when, relative, rest, entry))
    return sorted(found, key=lambda v: (v[0], v[1]))


def import_history_folder(engine: Engine, data_dir: Path) -> Imported:
    """Import the versions an earlier release kept in files, once; rename the folder after.

    Running it again (or in two processes at once) adds nothing twice: a version with the same
    path, hash and time is skipped.
    """
    folder = data_dir / HISTORY_FOLDER
    if not folder.is_dir():
        return Imported(0, ())
    added, skipped = 0, []
    for when, relative, _, entry in _versions_in(folder):
        try:
            text = normalise(entry.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            skipped.append(entry.relative_to(folder).as_posix())
            continue
        new = NewRevision(text, text_hash(text), "imported", None, "Imported from the history folder", when)
        try:
            with write_transaction(engine) as session:
                added += content_history.import_revision(session, relative, new)
        except VersionTaken:
            continue  # another process imported this one at the same moment
    # Another process may have renamed it first, or the folder is read-only: importing again is
    # a no-op either way.
    with contextlib.suppress(OSError):
        folder.rename(folder.with_name(f"{HISTORY_FOLDER}.imported"))
    return Imported(added, tuple(skipped))
