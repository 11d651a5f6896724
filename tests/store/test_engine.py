"""The engine seam: connection hooks, BEGIN IMMEDIATE, foreign keys on every pooled connection."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from course.settings import SettingsError, load_settings
from course.store.engine import (
    StoreError,
    create_store_engine,
    engine_from_settings,
    is_sqlite,
    read_session,
    write_transaction,
)
from course.store.migrate import open_store


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    assert database is not None
    return database


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(StoreError, match="in-memory"):
        create_store_engine("sqlite://")


def test_other_databases_are_refused() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        create_store_engine("mysql://localhost/x")


def test_postgres_url_must_use_psycopg3() -> None:
    with pytest.raises(StoreError, match="postgresql\\+psycopg://"):
        create_store_engine("postgresql+psycopg2://localhost/x")


def test_default_database_is_a_file_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings({"NTS_DATA_DIR": str(tmp_path / "data")})
    engine = open_store(settings)
    try:
        assert is_sqlite(engine)
        assert (tmp_path / "data" / "need-to-share.db").exists()
    finally:
        engine.dispose()


def test_engine_from_settings_uses_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    engine = engine_from_settings(load_settings({"DATABASE_URL": url}))
    try:
        assert engine.url.database == str(tmp_path / "elsewhere.db")
    finally:
        engine.dispose()


def test_sqlite_pragmas_hold_on_every_pooled_connection(sqlite_engine: Engine) -> None:
    connections = [sqlite_engine.connect() for _ in range(8)]  # eight distinct pooled connections
    try:
        for connection in connections:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        for connection in connections:
            connection.close()


def test_foreign_keys_are_enforced_on_every_pooled_connection(engine: Engine) -> None:
    failures: list[str] = []
    barrier = threading.Barrier(6)

    def insert_orphan() -> None:
        barrier.wait()  # all at once, so each thread holds its own pooled connection
        try:
            with write_transaction(engine) as session:
                session.connection().execute(
                    text(
                        "INSERT INTO capability_grant (person_id, capability, departments) "
                        "VALUES (999, 'learner', '')"
                    )
                )
        except IntegrityError:
            return
        failures.append("orphan row accepted")

    threads = [threading.Thread(target=insert_orphan) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with read_session(engine) as session:
        count = session.connection().execute(text("SELECT count(*) FROM capability_grant"))
        assert count.scalar() == 0


def test_write_transaction_takes_the_write_lock_before_any_write(sqlite_engine: Engine) -> None:
    other = sqlite3.connect(_sqlite_path(sqlite_engine), timeout=0, isolation_level=None)
    try:
        with write_transaction(sqlite_engine) as session:
            session.connection().execute(text("SELECT 1"))  # a read only, yet the lock is held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released on commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_read_session_does_not_block_writers(sqlite_engine: Engine) -> None:
    other = sqlite3.connect(_sqlite_path(sqlite_engine), timeout=0, isolation_level=None)
    try:
        with read_session(sqlite_engine) as session:
            session.connection().execute(text("SELECT count(*) FROM person"))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_write_transaction_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), write_transaction(engine) as session:
        session.connection().execute(
            text(
                "INSERT INTO setup_token (id, token_hash, created_at) VALUES (1, 'x', '2026-01-01 00:00:00')"
            )
        )
        raise RuntimeError("boom")
    with read_session(engine) as session:
        assert session.connection().execute(text("SELECT count(*) FROM setup_token")).scalar() == 0


def test_learner_writes_are_fully_synced_and_bookkeeping_is_not(sqlite_engine: Engine) -> None:
    with write_transaction(sqlite_engine) as session:
        assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    with write_transaction(sqlite_engine, durable=False) as session:
        assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with write_transaction(sqlite_engine) as session:
        assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_the_pool_is_sized_by_the_settings(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'pool.db'}",
                              "NTS_DB_POOL_SIZE": "3", "NTS_DB_POOL_OVERFLOW": "0"})
    engine = engine_from_settings(settings)
    try:
        held = [engine.connect() for _ in range(3)]
        assert engine.pool.checkedout() == 3  # type: ignore[attr-defined]
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 0)  # type: ignore[attr-defined]
        for connection in held:
            connection.close()
    finally:
        engine.dispose()


def test_postgres_pool_defaults_leave_room_for_several_processes() -> None:
    engine = create_store_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        # 5 + 10 per process: six processes fit PostgreSQL's default 100 connections.
        assert (engine.pool.size(), engine.pool._max_overflow) == (5, 10)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("NTS_DB_POOL_SIZE", "0", "expected a number above 0"),
    ("NTS_DB_POOL_OVERFLOW", "-1", "expected a whole number of 0 or more"),
    ("NTS_RETAIN_SIGN_IN_DAYS", "7", "expected at least 30"),
])
def test_bad_pool_and_retention_settings_are_refused_by_name(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}='{value}': {message}"):
        load_settings({name: value})
