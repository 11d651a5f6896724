"""Opening the database, migrating its schema and backing it up, for the app and the CLI."""

from __future__ import annotations

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
