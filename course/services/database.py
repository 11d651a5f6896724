"""Opening the database, migrating its schema and backing it up, for the app and the CLI."""

from __future__ import annotations

import threading
from pathlib import Path

from course.services import learning_records, metrics
from course.settings import Settings
from course.store import backup, migrate
from course.store.engine import UNAVAILABLE_ERRORS as UNAVAILABLE_ERRORS
from course.store.engine import Engine as Engine
from course.store.engine import StoreError as StoreError
from course.store.engine import describe_unavailable as describe_unavailable
from course.store.engine import engine_from_settings


def open_database(settings: Settings) -> Engine:
    """Connect to the configured database and apply any pending migration (app start-up)."""
    engine = migrate.open_store(settings)
    metrics.watch_pool(engine)
    learning_records.connect_lrs(engine, settings.lrs)
    return engine


#: This process's engines, one per database and pool size (see `shared_database`).
_SHARED: dict[tuple[str, int, int], Engine] = {}
_SHARED_LOCK = threading.Lock()


def shared_database(settings: Settings) -> Engine:
    """Return this process's one engine for the settings' database, opening it on first use.

    An app process serves its pages and its HTTP routes (sign-in, media, LTI, mail links) from
    this one engine, so it holds one connection pool, `NTS_DB_POOL_SIZE + NTS_DB_POOL_OVERFLOW`
    connections at most, as docs/deployment.md counts them; two pools per process would double
    what PostgreSQL's `max_connections` must allow.
    """
    key = (settings.database_url, settings.pool_size, settings.pool_overflow)
    with _SHARED_LOCK:
        engine = _SHARED.get(key)
        if engine is None:
            engine = _SHARED[key] = open_database(settings)
        return engine


def release_shared(engine: Engine) -> None:
    """Close a shared engine's connections and forget it, so that the next use opens a new one."""
    with _SHARED_LOCK:
        for key in [k for k, held in _SHARED.items() if held is engine]:
            del _SHARED[key]
    engine.dispose()


def backup_database(settings: Settings, destination: Path) -> Path:
    """Write a consistent copy of the live SQLite database to a new file; return its path."""
    engine = engine_from_settings(settings)
    try:
        return backup.backup_sqlite(engine, destination)
    finally:
        engine.dispose()


def close_database(engine: Engine) -> None:
    """Release the database connections of an engine."""
    engine.dispose()
