"""Database fixtures for store and service tests: a migrated SQLite file and PostgreSQL each.

tests/store/conftest.py and tests/services/conftest.py import them, so both layers' tests run
on the same databases.

PostgreSQL variants use TEST_DATABASE_URL (default: the local server) with a fresh schema per
test, dropped afterwards. They are skipped when the server is unreachable, unless
NTS_REQUIRE_POSTGRES=1 (set by CI), which turns that into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from course.domain.accounts import parse_capabilities
from course.domain.permissions import Actor
from course.store import people
from course.store.engine import create_store_engine, write_transaction
from course.store.migrate import upgrade_database
from tests.scratch import DEFAULT_TEST_POSTGRES_URL, postgres_reachable, scratch_postgres

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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with scratch_postgres(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Yield an engine on a migrated, empty database."""
    engine = create_store_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


MakePerson = Callable[..., Actor]


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
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """Yield an engine on a migrated SQLite file, for tests of SQLite behaviour only."""
    engine = create_store_engine(f"sqlite:///{tmp_path / 'sqlite-only.db'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()
