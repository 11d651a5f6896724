"""Support for tests and benchmarks: throw-away PostgreSQL schemas and checks of a database.

This lived in the package but only tests and benchmarks use it; the app never does.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from course.store.migrate import alembic_config

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


def head_revision() -> str:
    """Return the newest revision of the schema."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migration found")
    return head
