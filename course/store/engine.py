"""The one seam to the database: engines, connection hooks and transactions.

SQLite is configured on every new connection (WAL, busy timeout, foreign keys) and write
transactions begin with `BEGIN IMMEDIATE`, so concurrent writers queue for the lock instead of
failing half-way or losing updates. PostgreSQL needs none of this; the same code runs on both.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine as Engine
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session as Session

from course.settings import DEFAULT_POOL_OVERFLOW, DEFAULT_POOL_SIZE, Settings

#: Milliseconds a SQLite connection waits for the write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITE = "nts_write"
_DURABLE = "nts_durable"
T = TypeVar("T")


class StoreError(RuntimeError):
    """The database cannot be used as configured."""


#: What the driver raises when the database cannot be used at all right now: a server that is
#: down or unreachable, a SQLite file that cannot be opened. Not raised for bad data or bugs.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def describe_unavailable(error: BaseException) -> str:
    """Return one line saying why the database cannot be used, from the driver's own error."""
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return f"cannot reach the database: {lines[0] if lines else type(cause).__name__}"


def is_sqlite(engine: Engine) -> bool:
    """Return whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_store_engine(
    database_url: str,
    *,
    echo: bool = False,
    pool_size: int = DEFAULT_POOL_SIZE,
    pool_overflow: int = DEFAULT_POOL_OVERFLOW,
    connect_timeout: int = 10,
) -> Engine:
    """Create an engine for the URL, with the connection hooks this store relies on.

    A SQLite file's folder is created if missing; in-memory SQLite is refused because each
    pooled connection would see a different, empty database. The pool keeps `pool_size`
    connections and opens up to `pool_overflow` more under load; a thread that finds them all
    busy waits up to a minute for one. A PostgreSQL server that does not answer fails a
    connection after `connect_timeout` seconds (unless the URL sets its own), not minutes later.
    """
    pool = {"pool_size": pool_size, "max_overflow": pool_overflow, "pool_timeout": 60}
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreError("in-memory SQLite is not supported: give a file path")
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, **pool)
        _configure_sqlite(engine)
        _SQLITE_WRITE_LOCKS[engine] = threading.Lock()
        return engine
    if url.get_backend_name() == "postgresql":
        if url.get_driver_name() not in ("psycopg", ""):
            raise StoreError(f"use postgresql+psycopg:// (psycopg 3), not {url.drivername}")
        url = url.set(drivername="postgresql+psycopg")
        connect = {} if "connect_timeout" in url.query else {"connect_timeout": connect_timeout}
        return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect, **pool)
    raise StoreError(f"unsupported database {url.get_backend_name()!r}: use SQLite or PostgreSQL")


def engine_from_settings(settings: Settings) -> Engine:
    """Create the engine named by the settings (DATABASE_URL, or SQLite in the data folder)."""
    return create_store_engine(
        settings.database_url, pool_size=settings.pool_size, pool_overflow=settings.pool_overflow
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver: the "begin" hook below issues BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred BEGIN that later writes fails with "database is locked" under contention;
        # BEGIN IMMEDIATE takes the write lock up front and waits for it (busy_timeout).
        options = connection.get_execution_options()
        if not options.get(_WRITE, False):
            connection.exec_driver_sql("BEGIN")
            return
        # FULL: a write acknowledged to the learner survives a power cut, not only a crash.
        # NORMAL (still safe from corruption and from a crash of the process) is used only
        # for bookkeeping whose loss in a power cut is harmless: sign-in attempts and sessions.
        durable = options.get(_DURABLE, True)
        connection.exec_driver_sql(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def writer(engine: Engine, *, durable: bool = True) -> Engine:
    """Return a view of the engine whose transactions take the write lock at once (SQLite)."""
    return engine.execution_options(**{_WRITE: True, _DURABLE: durable})


#: One lock per SQLite engine: threads of a process queue here, in order, for the write lock,
#: instead of polling SQLite's busy handler (which sleeps up to 100 ms between tries and gave
#: a p99 of over a second with 20 writers). Other processes still wait through busy_timeout.
_SQLITE_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


@contextmanager
def write_transaction(engine: Engine, *, durable: bool = True) -> Iterator[Session]:
    """Yield a session in a write transaction; commit on success, roll back on error.

    `durable=False` is for bookkeeping only (sign-in attempts, sessions): on SQLite its commit
    skips the fsync that makes learner work survive a power cut (it still survives a crash).
    """
    lock = _SQLITE_WRITE_LOCKS.get(engine)
    with (
        lock or nullcontext(),
        Session(writer(engine, durable=durable), expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """Yield a session for reading one consistent snapshot; it never writes."""
    # Closing the session ends its transaction without expiring the objects it loaded.
    with Session(engine, expire_on_commit=False) as session:
        yield session


def run_write(engine: Engine, work: Callable[[Session], T], *, attempts: int = 3) -> T:
    """Run `work` in a write transaction, retrying when the database was briefly unavailable.

    Only idempotent work may be retried this way: every learner write carries its key.
    """
    for attempt in range(1, attempts + 1):
        try:
            with write_transaction(engine) as session:
                return work(session)
        except OperationalError:
            if attempt == attempts:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
