"""Support for tests and benchmarks: throw-away and template databases, and checks of a database.

This lived in the package but only tests and benchmarks use it; the app never does.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import course.store.tables  # noqa: F401  (declares the tables on SQLModel.metadata)
from course.store.engine import create_store_engine
from course.store.migrate import upgrade_database

#: The PostgreSQL server tests use unless TEST_DATABASE_URL says otherwise.
DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_reachable(url: str) -> bool:
    """Return whether a PostgreSQL server answers at the URL."""
    engine = create_engine(url, connect_args={"connect_timeout": 3}, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def scratch_postgres(url: str) -> Iterator[str]:
    """Yield a URL whose connections use a new, empty schema of the database; drop it after.

    Every engine made from the yielded URL must be disposed of before the block ends.
    """
    schema = f"nts_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        scratch = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scratch.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def check_integrity(path: Path) -> str:
    """Return SQLite's integrity check of a database file ("ok" when sound)."""
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("PRAGMA integrity_check").fetchone()
    finally:
        connection.close()
    return str(row[0]) if row else "no answer"


def migrate_sqlite_template(path: Path) -> Path:
    """Create a SQLite file at `path` migrated to the newest revision, ready to be copied."""
    engine = create_store_engine(f"sqlite:///{path}")
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()  # the last connection to close checkpoints the WAL into the file
    leftovers = [p.name for p in path.parent.glob(f"{path.name}-*")]
    if leftovers:
        raise RuntimeError(f"the template left {leftovers} beside it: a copy would miss their pages")
    return path


def copy_sqlite_template(template: Path, target: Path) -> str:
    """Copy a migrated SQLite template to `target` and return the copy's URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _admin(url: str) -> Engine:
    # CREATE and DROP DATABASE cannot run inside a transaction.
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """Yield the URL of a new PostgreSQL database migrated to the newest revision; drop it after."""
    name = f"nts_session_{uuid.uuid4().hex[:12]}"
    admin = _admin(url)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_store_engine(_database(url, name))
        try:
            upgrade_database(engine)
        finally:
            engine.dispose()
        yield _database(url, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def clear_postgres(url: str) -> None:
    """Delete every row of a migrated database and restart its sequences; keep the schema.

    Tables are emptied children first, so no foreign key objects. The Alembic version row
    stays: the database is still at the newest revision.
    """
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            present = set(connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )).scalars())
            ordered = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
            unknown = present - set(ordered) - {"alembic_version"}
            if unknown:
                raise RuntimeError(f"tables no model declares would keep their rows: {sorted(unknown)}")
            sequences = connection.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )).scalars().all()
            statements = [f'DELETE FROM "{name}"' for name in ordered if name in present]
            statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
            connection.exec_driver_sql("; ".join(statements))
    finally:
        engine.dispose()
