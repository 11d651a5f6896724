"""Schema migrations with Alembic, run from code at start-up and by `python -m course db upgrade`.

Several processes may start at once: on SQLite the upgrade runs inside a `BEGIN IMMEDIATE`
transaction and on PostgreSQL under an advisory lock, so one migrates and the others wait.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from course.settings import Settings
from course.store.engine import engine_from_settings, is_sqlite, writer

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Arbitrary constant naming this application's migration lock on PostgreSQL.
_PG_LOCK_ID = 4_711_004


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the migrations inside the package."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """Return the newest revision of the schema."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migration found")
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(engine: Engine, *, revision: str = "head") -> None:
    """Bring the database schema up to the revision (the newest by default)."""
    config = alembic_config()
    with writer(engine).begin() as connection:
        if not is_sqlite(engine):
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_store(settings: Settings) -> Engine:
    """Create the engine from the settings and apply any pending migration (start-up)."""
    engine = engine_from_settings(settings)
    upgrade_database(engine)
    return engine
