"""The database fixtures give every test a migrated database with no rows in it.

Tests share one migrated template per session (copied on SQLite, emptied on PostgreSQL), so
these tests check that nothing one test writes can reach the next.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from course.domain.accounts import parse_capabilities
from course.store import people
from course.store.engine import create_store_engine, write_transaction
from course.store.migrate import head_revision
from tests.databases import NOW, count_rows
from tests.scratch import clear_postgres, copy_sqlite_template


def _add(engine: Engine, email: str) -> int:
    with write_transaction(engine) as session:
        return people.add_person(session, email, name="X", department="legal", tracks=(),
                                 grants=parse_capabilities("learner"), now=NOW)


def test_a_sqlite_copy_is_migrated_and_writing_to_it_leaves_the_template_alone(
    sqlite_template: Path, tmp_path: Path
) -> None:
    first = create_store_engine(copy_sqlite_template(sqlite_template, tmp_path / "a.db"))
    try:
        _add(first, "ada@example.org")
        assert count_rows(first, "person") == 1
    finally:
        first.dispose()
    second = create_store_engine(copy_sqlite_template(sqlite_template, tmp_path / "b.db"))
    try:
        assert count_rows(second, "person") == 0
        with second.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == head_revision()
    finally:
        second.dispose()


@pytest.mark.postgres
def test_emptying_the_postgres_database_deletes_every_row_and_restarts_the_ids(
    postgres_session_url: str,
) -> None:
    clear_postgres(postgres_session_url)
    engine = create_store_engine(postgres_session_url)
    try:
        first = _add(engine, "ada@example.org")
        _add(engine, "bob@example.org")
        clear_postgres(postgres_session_url)
        assert count_rows(engine, "person") == 0
        assert _add(engine, "cy@example.org") == first
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == head_revision()
    finally:
        engine.dispose()
        clear_postgres(postgres_session_url)
