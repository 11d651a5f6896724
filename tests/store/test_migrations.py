"""Migrations: applied from code, idempotent, and in step with the table definitions."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from course.store import tables
from course.store.engine import create_store_engine, writer
from course.store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade_database,
)


def test_migrating_an_empty_database_from_zero_reaches_the_table_definitions(empty_database_url: str) -> None:
    # The other tests copy a template migrated once per session; this one runs every migration.
    engine = create_store_engine(empty_database_url)
    try:
        assert current_revision(engine) is None and inspect(engine).get_table_names() == []
        upgrade_database(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_each_test_database_is_at_the_head_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade_database(engine)
    assert current_revision(engine) == head_revision()


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_downgrade_to_base_and_back(empty_database_url: str) -> None:
    engine = create_store_engine(empty_database_url)
    try:
        upgrade_database(engine)
        config = alembic_config()
        with writer(engine).begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade_database(engine)
        assert "person" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_every_table_declares_whether_it_holds_personal_data(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    declared = set(tables.PERSONAL_DATA) | tables.NO_PERSONAL_DATA
    assert names - declared == set(), "declare new tables in PERSONAL_DATA or NO_PERSONAL_DATA"
    assert not set(tables.PERSONAL_DATA) & tables.NO_PERSONAL_DATA
