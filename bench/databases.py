"""Where the benchmarks that seed a store run: a SQLite file, or a scratch PostgreSQL database.

With NTS_BENCH_DATABASE_URL set to a PostgreSQL server (such as
postgresql+psycopg://postgres@127.0.0.1:5432/test), `bench_database` creates a database of its
own on that server and drops it after; `time_anchor` runs a benchmark's hand-written anchor
query where the store is: through sqlite3 on the file, or through PostgreSQL's driver.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

#: Set to a PostgreSQL server's URL to run a benchmark there instead of in a SQLite file.
DATABASE_ENV = "NTS_BENCH_DATABASE_URL"

#: A temporary table the anchor reads beside the store's: (name, columns, rows).
TempTable = tuple[str, Sequence[str], Sequence[Sequence[Any]]]


@contextmanager
def bench_database(folder: str) -> Iterator[tuple[str, Path | str]]:
    """Yield (store URL, anchor target): a SQLite file in `folder`, or a scratch PostgreSQL database."""
    server = os.environ.get(DATABASE_ENV)
    if not server:
        path = Path(folder) / "bench.db"
        yield f"sqlite:///{path}", path
        return
    name = f"nts_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url, url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_kind(where: Path | str) -> str:
    """Name the database an anchor target is in."""
    return "postgresql" if isinstance(where, str) else "sqlite"


def time_anchor(where: Path | str, query: str, *, temp: TempTable | None = None) -> tuple[float, list[Any]]:
    """Time a query on the anchor target; return (seconds, rows, exact numbers as floats).

    `temp` is filled first, outside the timing, in a temporary table of the same connection.
    """
    if isinstance(where, str):
        return _time_postgres(where, query, temp)
    connection = sqlite3.connect(where)
    try:
        if temp is not None:
            name, columns, rows = temp
            connection.execute(_create(temp))
            connection.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})", rows)
        start = time.perf_counter()
        found = connection.execute(query).fetchall()
        return time.perf_counter() - start, found
    finally:
        connection.close()


def _time_postgres(url: str, query: str, temp: TempTable | None) -> tuple[float, list[Any]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if temp is not None:
                name, columns, rows = temp
                connection.execute(text(_create(temp)))
                connection.execute(text(f"INSERT INTO {name} VALUES ({', '.join(f':{c}' for c in columns)})"),
                                   [dict(zip(columns, row, strict=True)) for row in rows])
            start = time.perf_counter()
            found = [tuple(float(v) if isinstance(v, Decimal) else v for v in row)
                     for row in connection.execute(text(query))]
            return time.perf_counter() - start, found
    finally:
        engine.dispose()


def _create(temp: TempTable) -> str:
    name, columns, _ = temp
    return f"CREATE TEMP TABLE {name} ({', '.join(f'{c} TEXT' for c in columns)})"
