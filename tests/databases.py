"""Database fixtures for store and service tests: a migrated SQLite file and PostgreSQL each.

tests/store/conftest.py and tests/services/conftest.py import them, so both layers' tests run
on the same databases.

Migrating costs far more than copying or emptying, so each session migrates once per kind
of database. On SQLite every test gets a copy of a migrated template file. On PostgreSQL
every test gets the session's migrated database with every row deleted and its sequences
restarted (about 20 ms); a `CREATE DATABASE ... TEMPLATE` copy was measured at 0.25 s plus
0.2-1.4 s to drop (PostgreSQL 15 checkpoints on every DROP DATABASE), no faster than the
per-test migration it would replace. `empty_database_url` gives a database with no schema at
all, for the tests that run the migrations themselves (tests/store/test_migrations.py).

PostgreSQL variants use TEST_DATABASE_URL (default: the local server). They are skipped when
the server is unreachable, unless NTS_REQUIRE_POSTGRES=1 (set by CI), which turns that into a
failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from course.domain.accounts import parse_capabilities
from course.domain.permissions import Actor
from course.store import people
from course.store.engine import create_store_engine, read_session, write_transaction
from tests.scratch import (
    DEFAULT_TEST_POSTGRES_URL,
    clear_postgres,
    copy_sqlite_template,
    migrate_sqlite_template,
    postgres_database,
    postgres_reachable,
    scratch_postgres,
)

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """Return the URL of the test PostgreSQL server, or skip (fail in CI) when unreachable."""
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_POSTGRES_URL
    if not postgres_reachable(url):
        message = f"PostgreSQL is unreachable at {url}"
        if os.environ.get("NTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " and NTS_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a SQLite file migrated once per session, for tests to copy."""
    return migrate_sqlite_template(tmp_path_factory.mktemp("template") / "migrated.db")


@pytest.fixture(scope="session")
def postgres_session_url(postgres_url: str) -> Iterator[str]:
    """Yield the URL of a PostgreSQL database migrated once per session (dropped at the end)."""
    with postgres_database(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a migrated database holding no rows: a SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        yield copy_sqlite_template(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
        return
    url = request.getfixturevalue("postgres_session_url")
    clear_postgres(url)  # before the test, so a test that failed half-way leaves nothing behind
    yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a database with no schema: a new SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with scratch_postgres(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Yield an engine on a migrated database holding no rows."""
    engine = create_store_engine(database_url)
    yield engine
    engine.dispose()


MakePerson = Callable[..., Actor]


def count_rows(engine: Engine, table: str) -> int:
    """Return how many rows a table holds."""
    with read_session(engine) as session:
        return int(session.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def make_person(engine: Engine) -> MakePerson:
    """Return a function that stores a person and returns them as an actor."""

    def make(
        email: str = "ada@example.org",
        *,
        capabilities: str = "learner",
        department: str = "legal",
        name: str = "Ada Example",
    ) -> Actor:
        grants = parse_capabilities(capabilities)
        with write_transaction(engine) as session:
            person_id = people.add_person(
                session,
                email,
                name=name,
                department=department,
                tracks=("legal",),
                grants=grants,
                now=NOW,
            )
        return Actor(person_id=person_id, email=email, grants=grants)

    return make


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """Yield an engine on a migrated SQLite file, for tests of SQLite behaviour only."""
    engine = create_store_engine(copy_sqlite_template(sqlite_template, tmp_path / "sqlite-only.db"))
    yield engine
    engine.dispose()
