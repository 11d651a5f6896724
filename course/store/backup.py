"""Consistent copies of a live SQLite database, taken with SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from course.store.engine import SQLITE_BUSY_TIMEOUT_MS, StoreError, is_sqlite


def backup_sqlite(engine: Engine, destination: Path) -> Path:
    """Copy the database to `destination` while it is in use; return the path written.

    The copy is made in one step under a read transaction, so it is a consistent snapshot even
    while other connections write. It is written beside the destination first and renamed into
    place only after `PRAGMA integrity_check` passes, so a failed backup leaves nothing behind.
    """
    if not is_sqlite(engine):
        raise StoreError("backups of PostgreSQL are made with pg_dump (see docs/operations.md)")
    source_path = engine.url.database
    assert source_path is not None
    destination = destination.expanduser().resolve()
    if destination.exists():
        raise StoreError(f"{destination} already exists; choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = target.execute("PRAGMA integrity_check").fetchone()
        finally:
            target.close()
    finally:
        source.close()
    if check is None or check[0] != "ok":
        partial.unlink(missing_ok=True)
        raise StoreError(f"the copy failed its integrity check: {check}")
    os.replace(partial, destination)
    return destination

